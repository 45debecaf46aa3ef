import { loadConfig } from '../../src/main/config.js';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { systemClock } from '../../src/adapters/clock/system-clock.js';
import type { AppDeps } from '../../src/app/deps.js';
import { bootstrapOperator } from '../../src/app/bootstrap-operator.js';
import { giveUpHandlers, operationHandlers } from '../../src/app/operation-handlers.js';
import { buildServer } from '../../src/http/build-server.js';
import { OperationRunner } from '../../src/jobs/operation-runner.js';
import type { EngineControl } from '../../src/ports/engine.js';
import { expectStatus, type Call } from '../support/api.js';
import { testAppDeps } from '../support/app-deps.js';
import { FakeClock } from '../support/fake-clock.js';
import { client } from '../support/server.js';

/**
 * Keyward in this process, listening on loopback: the real HTTP server (key service included),
 * the real operation runner, SQLite and the software vault in a temporary directory, and a clock
 * the test moves (lock cooldowns). For engine tests that need no real mariadbd, or want to look
 * inside (the DEK cache, the store).
 */
export interface InProcessKeyward {
  url: string;
  api: Call;
  app: FastifyInstance;
  deps: AppDeps;
  /** Where the control store (control.db) and environment files live. */
  dir: string;
  clock: FakeClock;
  operatorToken: string;
  /** A tenant with CMK on, in region `eu`, and its global admin's token. */
  tenant(name?: string): Promise<{ id: string; admin: string }>;
  /** Polls an operation until it ends; returns it. */
  operation(token: string, operationId: string): Promise<any>;
  close(): Promise<void>;
}

const OPERATOR_TOKEN = 'op_in_process_engine_tests_0001';

export async function inProcessKeyward(options: { engineControl?: EngineControl } = {}): Promise<InProcessKeyward> {
  const clock = new FakeClock(new Date());
  const made = await testAppDeps({ clock, realClock: systemClock, ...(options.engineControl ? { engineControl: options.engineControl } : {}) });
  const { deps } = made;
  await bootstrapOperator(deps.store, OPERATOR_TOKEN);
  const app = await buildServer(deps, {
    logLevel: 'silent',
    bodyLimitBytes: 8 * 1024 * 1024,
    devClock: undefined,
    version: 'test',
    engines: { publicUrl: 'https://keyward.example.com' },
    // The defaults `npm start` runs with.
    limits: loadConfig({}).http,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const runner = new OperationRunner({
    store: deps.store,
    handlers: operationHandlers(deps),
    onGiveUp: giveUpHandlers(deps),
    leaseClock: systemClock,
    finishClock: clock,
    owner: 'in-process',
    pollMs: 25,
  });
  deps.kick.operations = () => runner.kick();
  runner.start();
  const api = client(url);
  let tenants = 0;
  return {
    url,
    api,
    app,
    deps,
    dir: made.dir,
    clock,
    operatorToken: OPERATOR_TOKEN,
    async tenant(name = `Tenant ${++tenants}`) {
      const op = OPERATOR_TOKEN;
      const tenant = expectStatus(
        await api('POST', '/v1/tenants', { token: op, body: { name, licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } }),
        201,
      ).body;
      expectStatus(await api('POST', `/v1/tenants/${tenant.id}/cmk`, { token: op, body: { enabled: true } }), 200);
      clock.advance(1_000); // environments made from now on are after CMK (R2)
      const admin = expectStatus(
        await api('POST', `/v1/tenants/${tenant.id}/users`, {
          token: op,
          body: { email: `admin-${tenants}@tenant.example`, roles: [{ role: 'global-admin' }] },
        }),
        201,
      ).body.token as string;
      return { id: tenant.id as string, admin };
    },
    async operation(token, operationId) {
      for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 20))) {
        const answer = expectStatus(await api('GET', `/v1/operations/${operationId}`, { token }), 200);
        if (answer.body.status !== 'running') return answer.body;
        expect(Date.now() < deadline, `operation ${operationId} still running`).toBe(true);
      }
    },
    async close() {
      await runner.stop();
      await app.close();
      await made.close();
    },
  };
}
