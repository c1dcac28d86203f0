import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService, Role, SignedIn } from '../auth/service.js';
import { hashToken } from '../auth/tokens.js';
import { readCookie, setCookie } from './cookies.js';
import { csrfTokenOf, verifyCsrf } from './csrf.js';

export interface WebSession {
  customerId: number;
  role: Role;
  /** The session token from the cookie: the form CSRF token is derived from it. */
  token: string;
}

export interface WebSessionCookie {
  /** `sk_shop` for the storefront, `sk_admin` for the admin panel: separate sessions, separate paths. */
  name: string;
  path: string;
  sameSite: 'Strict' | 'Lax';
}

/**
 * Browser sessions for the HTML pages: the same accounts and session rows as the API, carried in
 * an HttpOnly cookie scoped to the area's path. Pages authenticate themselves (not through the
 * API's onRequest hook) because a form's CSRF token arrives in the body, after parsing.
 */
export class WebSessions {
  constructor(
    private readonly auth: AuthService,
    readonly cookie: WebSessionCookie,
  ) {}

  async read(request: FastifyRequest): Promise<WebSession | null> {
    const token = readCookie(request, this.cookie.name);
    if (!token || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const session = await this.auth.authenticate(token);
    return session ? { customerId: session.customerId, role: session.role, token } : null;
  }

  /** The CSRF token to put in this page's forms. */
  csrfToken(request: FastifyRequest, reply: FastifyReply, session: WebSession | null): string {
    return csrfTokenOf(request, reply, session?.token ?? null, this.cookie.path);
  }

  /** For every state-changing page request, before any write. */
  verify(request: FastifyRequest, session: WebSession | null): void {
    verifyCsrf(request, session?.token ?? null);
  }

  signIn(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn): void {
    setCookie(request, reply, this.cookie.name, signedIn.token, {
      path: this.cookie.path,
      sameSite: this.cookie.sameSite,
      maxAgeSeconds: Math.floor(this.auth.sessionTtlMs / 1000),
    });
  }

  async signOut(request: FastifyRequest, reply: FastifyReply, session: WebSession | null): Promise<void> {
    if (session) await this.auth.logout(hashToken(session.token));
    setCookie(request, reply, this.cookie.name, '', { path: this.cookie.path, sameSite: this.cookie.sameSite, maxAgeSeconds: 0 });
  }
}
