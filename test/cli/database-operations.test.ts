import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { explain, keyward, type Run } from './support/cli.js';

/** Backups, restore, copy and reset (R16–R18) from the command line, against a real server. */
let server: TestServer;
let as: Record<string, string>;

const expectExit = (run: Run, code: number): Run => {
  expect(run.code, explain(run)).toBe(code);
  return run;
};
const cli = async (args: string[], code = 0) => expectExit(await keyward(args, { env: as }), code);
const byId = (items: { id: string }[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
const rowsOf = async (envId: string) => byId((await cli(['rows', 'list', envId, 'orders', '--json'])).json().items);

beforeAll(async () => {
  server = await startServer();
  const op = { KEYWARD_URL: server.url, KEYWARD_TOKEN: server.operatorToken };
  const tenant = expectExit(
    await keyward(['tenant', 'create', '--name', 'Northwind', '--seats', '10', '--region', 'us', '--json'], { env: op }),
    0,
  ).json();
  const added = expectExit(
    await keyward(['user', 'add', '--tenant', tenant.id, '--email', 'ops@northwind.example', '--role', 'global-admin', '--json'], { env: op }),
    0,
  ).json();
  as = { KEYWARD_URL: server.url, KEYWARD_TOKEN: added.token, KEYWARD_TENANT: tenant.id };
});

afterAll(async () => {
  await server?.stop();
});

describe('database operations', () => {
  it('backup → restore → copy → reset, each asking first and waited for', async () => {
    const a = (await cli(['env', 'create', '--name', 'A', '--region', 'us', '--type', 'sandbox', '--json'])).json();
    const b = (await cli(['env', 'create', '--name', 'B', '--region', 'us', '--type', 'sandbox', '--json'])).json();
    await cli(['table', 'create', a.id, 'orders', 'item:text']);
    await cli(['rows', 'add', a.id, 'orders', 'item=kept']);
    const original = await rowsOf(a.id);

    const backup = (await cli(['env', 'backup', a.id, '--label', 'before', '--json'])).json();
    expect(backup).toMatchObject({ environmentId: a.id, label: 'before' });
    expect((await cli(['env', 'backups', a.id, '--json'])).json().items.map((x: any) => x.id)).toEqual([backup.id]);
    expect((await cli(['env', 'backups', a.id])).stdout).toContain(backup.id);
    await cli(['rows', 'add', a.id, 'orders', 'item=after-backup']);

    // Overwriting needs a yes; without a terminal that is --yes, and nothing is sent without it.
    await cli(['env', 'restore', a.id, '--from', a.id, '--backup', backup.id], 6);
    expect(await rowsOf(a.id)).toHaveLength(2);
    const restored = await cli(['env', 'restore', a.id, '--from', a.id, '--backup', backup.id, '--yes', '--json']);
    expect(restored.json().operation).toMatchObject({ type: 'restore', status: 'succeeded' });
    expect(await rowsOf(a.id)).toEqual(original);

    const copied = await cli(['env', 'copy', b.id, '--from', a.id, '--yes']);
    expect(copied.stderr).toMatch(/copy: (\d+)\/\1 succeeded/);
    expect((await rowsOf(b.id)).map((r: any) => r.item)).toEqual(['kept']);

    await cli(['env', 'reset', a.id], 6);
    expect((await cli(['env', 'reset', a.id, '--yes', '--json'])).json().operation).toMatchObject({ type: 'reset', status: 'succeeded' });
    expect((await cli(['env', 'backups', a.id, '--json'])).json().items).toEqual([]);
    expect((await cli(['env', 'show', a.id, '--json'])).json().encryption).toMatchObject({ mode: 'provider', status: 'ready' });
  });
});
