import { EcommercePlatform } from '../platform.js';
import { buildServer } from './server.js';

/** The OpenAPI document the server publishes at /openapi.json, built without listening. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const platform = await EcommercePlatform.open(':memory:');
  try {
    const app = await buildServer(platform, { logger: false });
    try {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  } finally {
    await platform.close();
  }
}
