import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isKeywardError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { authenticate } from '../app/authenticate.js';
import type { Store } from '../ports/store.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (only /healthz and the web UI's static files). */
    public?: boolean;
  }
}

/**
 * Authenticates every request to a non-public route before its body is even parsed.
 * `onRefused` hears of every refused token (the bad-token limit, rate-limits.ts).
 */
export function installAuth(
  app: FastifyInstance,
  store: Store,
  onRefused: (request: FastifyRequest) => Promise<void> = () => Promise.resolve(),
): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    try {
      request.principal = await authenticate(store, match?.[1]);
    } catch (error) {
      if (isKeywardError(error) && error.code === 'UNAUTHENTICATED') await onRefused(request);
      throw error;
    }
  });
}

/** The authenticated caller; routes run only after installAuth's hook accepted the token. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
}
