import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { loadConfig } from '../../src/main/config.js';
import { assemble, type RunningKeyward } from '../../src/main/wire.js';
import type { Call } from './api.js';
import { sql, testDatabaseUrl } from './postgres.js';
import type { Answer } from './server.js';

/**
 * Keyward instances assembled in this process, sharing one data dir and one control store, with
 * their background work running: what several server processes on one PostgreSQL are, minus
 * the sockets. Requests go through `app.inject` (the whole Fastify stack: auth, schemas, problem
 * details). On PostgreSQL each instance has its own connection pool, so they race in the
 * database exactly as separate processes do; on SQLite one instance is all there can be (two
 * connections in one process would wait on each other synchronously).
 */
export interface InProcessCluster {
  /** One client per instance. */
  calls: Call[];
  instances: RunningKeyward[];
  operatorToken: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startInProcess(options: {
  store: 'sqlite' | 'postgres';
  instances?: number;
  env?: Record<string, string>;
}): Promise<InProcessCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-inproc-'));
  const operatorToken = inProcessOperatorToken();
  const schema = `inproc_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const env: Record<string, string> = {
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_OPERATOR_TOKEN: operatorToken,
    KEYWARD_DEV_CLOCK: '1',
    KEYWARD_LOG_LEVEL: 'silent',
    KEYWARD_PFX_ITERATIONS: '1000',
    KEYWARD_OPERATION_LEASE_MS: '5000',
    ...(options.store === 'postgres' ? { KEYWARD_DATABASE_URL: testDatabaseUrl, KEYWARD_DATABASE_SCHEMA: schema } : {}),
    ...options.env,
  };
  const count = options.store === 'sqlite' ? 1 : (options.instances ?? 2);
  const instances: RunningKeyward[] = [];
  for (let i = 0; i < count; i++) {
    const keyward = await assemble(loadConfig({ ...env, KEYWARD_INSTANCE_ID: `inproc-${i}` }));
    await keyward.app.ready();
    keyward.startBackground();
    instances.push(keyward);
  }
  return {
    calls: instances.map((k) => injector(k)),
    instances,
    operatorToken,
    dataDir,
    async close() {
      for (const k of instances) await k.close();
      if (options.store === 'postgres') await sql(`drop schema if exists "${schema}" cascade`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One Keyward assembled in this process exactly as `npm start` wires it (config from the given
 * environment, a fresh data dir on SQLite unless the environment says otherwise), background
 * work off unless asked for. `share`: another instance's data dir and operator token (a second
 * instance on the same PostgreSQL store and files); it then leaves the directory to the first.
 */
export interface InProcessKeyward {
  keyward: RunningKeyward;
  call: Call;
  operatorToken: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startOne(
  env: Record<string, string> = {},
  options: { background?: boolean; share?: InProcessKeyward } = {},
): Promise<InProcessKeyward> {
  const dataDir = options.share?.dataDir ?? mkdtempSync(join(tmpdir(), 'keyward-inproc-'));
  const operatorToken = options.share?.operatorToken ?? inProcessOperatorToken();
  const keyward = await assemble(
    loadConfig({
      KEYWARD_DATA_DIR: dataDir,
      KEYWARD_OPERATOR_TOKEN: operatorToken,
      KEYWARD_LOG_LEVEL: 'silent',
      KEYWARD_DEV_CLOCK: '1',
      KEYWARD_PFX_ITERATIONS: '2048',
      ...env,
    }),
  );
  await keyward.app.ready();
  if (options.background) keyward.startBackground();
  return {
    keyward,
    call: injector(keyward),
    operatorToken,
    dataDir,
    async close() {
      await keyward.close();
      if (!options.share) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const inProcessOperatorToken = (): string => `op_${Math.random().toString(36).slice(2)}_in_process_token`;

/** A tenant with CMK on and a global admin; returns their ids and token. */
export async function tenantWithAdmin(
  call: Call,
  operatorToken: string,
  name: string,
): Promise<{ tenantId: string; admin: string; adminId: string }> {
  const tenant = await call('POST', '/v1/tenants', { token: operatorToken, body: { name, licensedSeats: 2000, regions: ['eu'], cmkOptIn: true } });
  if (tenant.status !== 201) throw new Error(`tenant: ${JSON.stringify(tenant.body)}`);
  const tenantId = tenant.body.id as string;
  const cmk = await call('POST', `/v1/tenants/${tenantId}/cmk`, { token: operatorToken, body: { enabled: true } });
  if (cmk.status !== 200) throw new Error(`cmk: ${JSON.stringify(cmk.body)}`);
  const user = await call('POST', `/v1/tenants/${tenantId}/users`, {
    token: operatorToken,
    body: { email: `admin@${name.toLowerCase().replace(/[^a-z0-9]/g, '')}.test`, roles: [{ role: 'global-admin' }] },
  });
  if (user.status !== 201) throw new Error(`user: ${JSON.stringify(user.body)}`);
  return { tenantId, admin: user.body.token as string, adminId: user.body.id as string };
}

/**
 * The same Call shape as the real-server client, through app.inject. The header
 * `x-test-remote-address` sets the client address (for the per-address limits).
 */
export function injector(keyward: RunningKeyward): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await keyward.app.inject({
      method: method as InjectOptions['method'],
      url: path,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      remoteAddress: headers['x-test-remote-address'] ?? '127.0.0.1',
    });
    let body: any = response.body;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // not JSON (metrics)
    }
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    const answer: Answer = { status: response.statusCode, body, headers: answerHeaders };
    return answer;
  };
}
