import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/main/config.js';
import { assemble, type RunningKeyward } from '../../src/main/wire.js';
import type { Answer } from './server.js';
import type { Call } from './api.js';

/**
 * Keyward assembled in this process exactly as `npm start` wires it (config from the given
 * environment, a fresh data dir), answering through `app.inject`: no socket, no child process.
 * `call` has the shape of server.ts's `client`, so helpers and assertions work on both.
 */
export interface InProcessKeyward {
  keyward: RunningKeyward;
  call: Call;
  operatorToken: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * `share`: another instance's data dir and operator token (a second instance on the same
 * PostgreSQL store and files, as several servers of one deployment are); it then leaves the
 * directory to the first one to remove.
 */
export async function startInProcess(
  env: Record<string, string> = {},
  options: { background?: boolean; share?: InProcessKeyward } = {},
): Promise<InProcessKeyward> {
  const dataDir = options.share?.dataDir ?? mkdtempSync(join(tmpdir(), 'keyward-inproc-'));
  const operatorToken = options.share?.operatorToken ?? `op_${Math.random().toString(36).slice(2)}_in_process`;
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
  const call: Call = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await keyward.app.inject({
      method: method as 'GET',
      url: path,
      headers,
      ...(payload !== undefined ? { payload } : {}),
      remoteAddress: headers['x-test-remote-address'] ?? '127.0.0.1',
    });
    let body: unknown = response.body;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // not JSON
    }
    const answerHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    const answer: Answer = { status: response.statusCode, body, headers: answerHeaders };
    return answer;
  };
  return {
    keyward,
    call,
    operatorToken,
    dataDir,
    async close() {
      await keyward.close();
      if (!options.share) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

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
