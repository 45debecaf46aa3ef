import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCipherDataPlane } from '../../src/adapters/dataplane/sqlite-cipher-data-plane.js';
import { PooledKeyFileWork } from '../../src/adapters/key-files/pooled-key-file-work.js';
import { openStore } from '../../src/adapters/store/open-store.js';
import { SoftwareVault } from '../../src/adapters/vault/software-vault.js';
import { randomIds } from '../../src/adapters/random-ids.js';
import type { AppDeps } from '../../src/app/deps.js';
import { createEnvironment } from '../../src/app/create-environment.js';
import { createBackup } from '../../src/app/backups/create-backup.js';
import { copyEnvironment } from '../../src/app/backups/copy-environment.js';
import { resetEnvironment } from '../../src/app/backups/reset-environment.js';
import { restoreBackup } from '../../src/app/backups/restore-backup.js';
import { dekLoaderOf } from '../../src/app/backups/database-access.js';
import { isKeywardError } from '../../src/domain/errors.js';
import type { Operation } from '../../src/domain/operation.js';
import type { Principal } from '../../src/domain/principal.js';
import type { DataPlane } from '../../src/ports/data-plane.js';
import { runCopy } from '../../src/jobs/handlers/copy.js';
import { runReset } from '../../src/jobs/handlers/reset.js';
import { runRestore } from '../../src/jobs/handlers/restore.js';
import type { OperationContext } from '../../src/jobs/operation-handler.js';

/**
 * Restore, copy and reset handlers stopped at their worst moments (a crash is a throw where the
 * process would have died) and run again, as the runner does after a crash: they finish the
 * work once, never apply it twice, and a final refusal leaves the target as it was.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const dir = mkdtempSync(join(tmpdir(), 'kw-backup-handlers-'));
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'control.db') });
  const vault = new SoftwareVault(randomBytes(32), store.settings, () => randomIds.next('pk'));
  await vault.init();
  const dataPlane = new SqliteCipherDataPlane({ directory: join(dir, 'environments'), backupDirectory: join(dir, 'backups') });
  const keyFileWork = new PooledKeyFileWork({ threads: 1, now: () => new Date() });
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => store.close(),
    () => dataPlane.close(),
    () => keyFileWork.close(),
  );
  const deps: AppDeps = {
    store,
    vault,
    dataPlane,
    clock: { now: () => new Date() },
    ids: randomIds,
    kick: { operations: () => undefined, notifications: () => undefined },
    keyFiles: { pfxIterations: 2048, work: keyFileWork },
    limits: {
      quotas: { environmentsPerTenant: 100, tablesPerEnvironment: 100, backupsPerEnvironment: 100 },
      passwordFailures: { perCaller: 5, perTenant: 20 },
    },
  };
  const tenantId = randomIds.next('ten');
  await store.tenants.insert({
    id: tenantId,
    name: 'T',
    licensedSeats: 2000,
    regions: ['eu'],
    cmkOptIn: true,
    cmkEnabled: false,
    cmkEnabledAt: null,
    createdAt: new Date(),
  });
  const admin: Principal = { kind: 'user', id: 'usr_a', tenantId, email: 'a@t.example', roles: [{ role: 'global-admin' }] };
  const environment = async (name: string, bodies: string[]) => {
    const env = await createEnvironment(deps, { kind: 'operator', id: 'op' }, tenantId, { name, region: 'eu', type: 'sandbox' });
    await dataPlane.use(env.id, dekLoaderOf(vault, env), (db) => {
      db.createTable({ name: 'notes', columns: [{ name: 'body', type: 'text' }] });
      for (const [i, body] of bodies.entries()) db.insertRow('notes', `row_${i}`, { body });
    });
    return env.id;
  };
  const bodies = async (id: string) => {
    const env = (await store.environments.get(id))!;
    return dataPlane.use(id, dekLoaderOf(vault, env), (db) =>
      db.getTable('notes') ? db.listRows('notes', { limit: 100 }).items.map((r) => r.body) : [],
    );
  };
  const successes = async (op: Operation) =>
    (await store.audit.list(tenantId, { limit: 1000 })).filter((e) => e.outcome === 'succeeded' && e.detail?.includes(op.id)).length;
  return { deps, store, dataPlane, admin, environment, bodies, successes };
}

const ctxOf = (op: Operation): OperationContext => ({ op, reportProgress: () => Promise.resolve(), lost: false });

/** The data plane, with one method made to fail once (after or instead of doing its work). */
function crashingOnce(plane: DataPlane, method: 'create' | 'restoreInto', after: boolean): DataPlane {
  let crashed = false;
  return new Proxy(plane, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (name !== method || crashed) return (value as (...a: unknown[]) => unknown).apply(target, args);
        crashed = true;
        if (after) await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        throw new Error(`simulated crash ${after ? 'after' : 'in'} ${method}`);
      };
    },
  });
}

describe('restore, copy and reset handlers across crashes', () => {
  it('a reset that crashed after the shred finishes on the next run, with a new DEK, and only once', async () => {
    const w = await world();
    const id = await w.environment('R', ['old-1', 'old-2']);
    await createBackup(w.deps, w.admin, id, 'b');
    const before = (await w.store.environments.get(id))!;
    const { operation } = await resetEnvironment(w.deps, w.admin, id);

    await expect(runReset({ ...w.deps, dataPlane: crashingOnce(w.dataPlane, 'create', false) }, ctxOf(operation))).rejects.toThrow('simulated crash');
    const mid = (await w.store.environments.get(id))!;
    expect(mid.wrappedDek).not.toBe(before.wrappedDek);
    expect(mid.encryption.status).toBe('updating');
    expect(await w.store.backups.listByEnvironment(id)).toEqual([]);

    await runReset(w.deps, ctxOf(operation));
    await runReset(w.deps, ctxOf(operation));
    const after = (await w.store.environments.get(id))!;
    expect(after.wrappedDek).toBe(mid.wrappedDek);
    expect(after.encryption).toEqual({ mode: 'provider', keyId: null, status: 'ready' });
    expect(await w.bodies(id)).toEqual([]);
    expect(w.dataPlane.backupFiles(id)).toEqual([]);
    expect(await w.successes(operation)).toBe(1);
  });

  it('a restore that crashed after the swap, before recording it, finishes on the next run', async () => {
    const w = await world();
    const source = await w.environment('S', ['s-1']);
    const target = await w.environment('T', ['t-1']);
    const bk = await createBackup(w.deps, w.admin, source, undefined);
    const { operation } = await restoreBackup(w.deps, w.admin, target, { sourceEnvironmentId: source, backupId: bk.id });
    await expect(runRestore({ ...w.deps, dataPlane: crashingOnce(w.dataPlane, 'restoreInto', true) }, ctxOf(operation))).rejects.toThrow(
      'simulated crash',
    );
    expect((await w.store.environments.get(target))!.encryption.status).toBe('updating');
    await runRestore(w.deps, ctxOf(operation));
    await runRestore(w.deps, ctxOf(operation));
    expect((await w.store.environments.get(target))!.encryption.status).toBe('ready');
    expect(await w.bodies(target)).toEqual(['s-1']);
    expect(await w.successes(operation)).toBe(1);
  });

  it('a copy whose source was deleted meanwhile fails for good and gives the target back untouched', async () => {
    const w = await world();
    const source = await w.environment('S', ['s-1']);
    const target = await w.environment('T', ['t-1']);
    const { operation } = await copyEnvironment(w.deps, w.admin, target, source);
    await w.store.environments.update({
      ...(await w.store.environments.get(source))!,
      wrappedDek: '',
      encryption: { mode: 'provider', keyId: null, status: 'deleted' },
    });
    const failure = await runCopy(w.deps, ctxOf(operation)).catch((e: unknown) => e);
    expect(isKeywardError(failure) && failure.code).toBe('NOT_FOUND');
    expect((await w.store.environments.get(target))!.encryption.status).toBe('ready');
    expect(await w.bodies(target)).toEqual(['t-1']);
  });
});
