import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { authorize } from '../../domain/permissions.js';
import type { Clock, SettableClock } from '../../ports/clock.js';
import { principalOf } from '../auth.js';
import { ClockAnswer, ClockBody } from '../schemas.js';

export interface SystemRouteDeps {
  metrics: Registry;
  clock: Clock;
  devClock: SettableClock | undefined;
  /** Whether the server can serve: the store answers. */
  healthy: () => Promise<boolean>;
}

export function systemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { tags: ['system'], summary: 'Liveness and readiness', security: [] } },
    async (_request, reply) => {
      const ok = await deps.healthy().catch(() => false);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable' });
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (operator token)' } }, async (request, reply) => {
    authorize(principalOf(request), 'metrics.read', {});
    return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  app.get('/v1/openapi.json', { schema: { tags: ['system'], summary: 'This document', hide: true } }, () => app.swagger());

  if (!deps.devClock) return;
  const devClock = deps.devClock;
  app.get(
    '/v1/dev/clock',
    { schema: { tags: ['dev'], summary: 'The dev clock (KEYWARD_DEV_CLOCK=1, operator)', response: { 200: ClockAnswer } } },
    (request) => {
      authorize(principalOf(request), 'dev.clock', {});
      return { now: devClock.now().toISOString() };
    },
  );
  app.post<{ Body: { advanceSeconds: number } }>(
    '/v1/dev/clock',
    { schema: { tags: ['dev'], summary: 'Move the dev clock forward (operator)', body: ClockBody, response: { 200: ClockAnswer } } },
    async (request) => {
      authorize(principalOf(request), 'dev.clock', {});
      return { now: (await devClock.advance(request.body.advanceSeconds)).toISOString() };
    },
  );
}
