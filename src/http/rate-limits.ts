import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';

export interface RateLimitSettings {
  /** Requests per minute per client address on every route but /healthz; 0: no ceiling. */
  perMinute: number;
  /** Requests with a missing or unknown token per minute per client address, before 429. */
  badTokensPerMinute: number;
}

const WINDOW_MS = 60_000;

/**
 * SPEC F2's limits at the edge, per client address (`request.ip`, which honours
 * KEYWARD_TRUST_PROXY): a ceiling on all requests, and a much lower one on bad tokens, so
 * guessing tokens costs a minute per handful of guesses. Counted in this process
 * (@fastify/rate-limit's memory store): per instance, which is enough for the edge; the limits
 * that must hold across instances (passwords) live in the control store. Every refusal is 429
 * RATE_LIMITED with Retry-After (problem.ts), checked before the token is even looked up.
 *
 * Returns what the authentication hook calls when it refuses a token.
 */
export async function installRateLimits(
  app: FastifyInstance,
  clock: Clock,
  settings: RateLimitSettings,
): Promise<(request: FastifyRequest) => Promise<void>> {
  await app.register(rateLimit, { global: false });
  const ceiling = settings.perMinute > 0 ? app.createRateLimit({ max: settings.perMinute, timeWindow: WINDOW_MS }) : undefined;
  const badTokens = app.createRateLimit({
    max: settings.badTokensPerMinute,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `bad-token:${request.ip}`,
  });

  const refuse = (ttlMs: number, what: string): never => {
    const retryAfter = new Date(clock.now().getTime() + Math.max(1_000, ttlMs));
    return fail('RATE_LIMITED', `${what} from this address in the last minute; try again after ${retryAfter.toISOString()}.`, retryAfter);
  };

  app.addHook('onRequest', async (request) => {
    // Load balancers must always be able to ask whether the server can serve, and a database
    // engine asking for its key must never be refused by the edge: MariaDB aborts on an HTTP
    // error (engines/mariadb/INVARIANTS.md, 1). Its tokens are checked by the key service itself.
    if (request.routeOptions.url === '/healthz' || request.routeOptions.config.engineKeyService) return;
    if (ceiling !== undefined) {
      const state = await ceiling(request);
      if (!state.isAllowed && state.isExceeded) refuse(state.ttl, `More than ${settings.perMinute} requests`);
    }
    if (request.routeOptions.config.public) return;
    const tokens = await badTokens(request, { increment: false });
    if (!tokens.isAllowed && tokens.remaining <= 0) refuse(tokens.ttl, `${settings.badTokensPerMinute} requests with an unknown token`);
  });

  return async (request) => {
    await badTokens(request);
  };
}
