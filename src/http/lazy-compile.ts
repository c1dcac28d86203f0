import { createRequire } from 'node:module';
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import type { App } from './types.js';

type SerializerBuilder = (externalSchemas: unknown, options: unknown) => FastifySerializerCompiler<unknown>;

/** The response serializer Fastify itself uses (fast-json-stringify), resolved from Fastify's own dependencies. */
function fastifySerializerBuilder(): SerializerBuilder {
  const fromFastify = createRequire(import.meta.resolve('fastify'));
  return (fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerBuilder)();
}

/**
 * Compiles each route's validators and response serializers on the route's first request instead
 * of at start: a process typically serves a handful of its ~50 routes, and generating code for all
 * of them (3 serializers each with the error shapes) was a quarter of the idle memory (BENCHMARKS.md).
 * A schema mistake still fails: on that route's first request, which the route tests all make.
 */
export function installLazyCompilers(app: App, validatorCompiler: FastifySchemaCompiler<unknown>): void {
  app.setValidatorCompiler((route) => {
    let compiled: ReturnType<typeof validatorCompiler> | undefined;
    return (data: unknown) => (compiled ??= validatorCompiler(route))(data);
  });
  const build = fastifySerializerBuilder()(app.getSchemas(), {});
  app.setSerializerCompiler((route) => {
    let compiled: ((data: unknown) => string) | undefined;
    return (data: unknown) => (compiled ??= build(route))(data);
  });
}
