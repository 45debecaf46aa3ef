import { verifyAuditChain } from '../domain/audit-chain.js';
import type { Principal } from '../domain/principal.js';
import type { AuditEntry } from '../ports/audit-store.js';
import type { AppDeps } from './deps.js';
import { flushCollapsedRefusals } from './audit-collapse.js';
import { loadTenantFor } from './load.js';

const PAGE = 1000;

export async function listAudit(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  page: { afterSeq?: number; limit: number },
): Promise<AuditEntry[]> {
  await loadTenantFor(deps.store, actor, tenantId, 'audit.read');
  await flushCollapsedRefusals(deps.store, (bytes) => deps.vault.auditMac(bytes), tenantId, deps.clock.now());
  return deps.store.audit.list(tenantId, page);
}

/**
 * Reads the tenant's whole chain and checks every link and the stored head; with an anchor (the
 * seq and hash a key-change e-mail carried), also that the chain still passes through it, which
 * a history rewritten by whoever can write the store no longer does (SPEC L5).
 */
export async function verifyAudit(
  deps: AppDeps,
  actor: Principal,
  tenantId: string,
  anchor?: { seq: number; hash: string },
): Promise<{ ok: boolean; entries: number; brokenAtSeq?: number; reason?: string }> {
  await loadTenantFor(deps.store, actor, tenantId, 'audit.read');
  await flushCollapsedRefusals(deps.store, (bytes) => deps.vault.auditMac(bytes), tenantId, deps.clock.now());
  const entries: AuditEntry[] = [];
  for (;;) {
    const next = await deps.store.audit.list(tenantId, { afterSeq: entries.at(-1)?.seq ?? 0, limit: PAGE });
    entries.push(...next);
    if (next.length < PAGE) break;
  }
  const verdict = await verifyAuditChain(entries, await deps.store.audit.head(tenantId), (bytes) => deps.vault.auditMac(bytes));
  if (verdict.ok && anchor !== undefined && entries[anchor.seq - 1]?.hash !== anchor.hash) {
    return {
      ok: false,
      entries: entries.length,
      brokenAtSeq: anchor.seq,
      reason: `the chain does not pass through the anchor (entry ${anchor.seq} with that hash)`,
    };
  }
  return verdict.ok
    ? { ok: true, entries: entries.length }
    : { ok: false, entries: entries.length, brokenAtSeq: verdict.brokenAtSeq, reason: verdict.reason };
}
