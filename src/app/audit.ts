import { isKeywardError } from '../domain/errors.js';
import { appendRefusal } from './audit-collapse.js';
import type { Principal } from '../domain/principal.js';
import type { AuditOutcome } from '../ports/audit-store.js';
import type { Clock } from '../ports/clock.js';
import type { Repos, Store } from '../ports/store.js';
import type { Vault } from '../ports/vault.js';

/** How a principal appears in the audit log and in e-mails: never a token, always who. */
export const actorLabel = (p: Principal): string => (p.kind === 'operator' ? 'operator' : `${p.email} (${p.id})`);

export interface Attempt {
  tenantId: string;
  action: string;
  target: string;
}

export interface AuditRecord extends Attempt {
  /** A principal, or the label queued with an operation (`op.input.actor`), or `keyward`. */
  actor: Principal | string;
  outcome: AuditOutcome;
  detail?: string | null;
}

/**
 * The one way a state change is audited (SPEC L3): inside the unit of work of the change, so the
 * entry commits with it or not at all. Use cases record `allowed`; operation handlers record
 * `succeeded` in the transaction of their last step.
 */
export function recordAudit(tx: Pick<Repos, 'audit'>, deps: { clock: Clock; vault: Pick<Vault, 'auditMac'> }, record: AuditRecord) {
  return tx.audit.append(
    {
      tenantId: record.tenantId,
      action: record.action,
      target: record.target,
      at: deps.clock.now(),
      actor: typeof record.actor === 'string' ? record.actor : actorLabel(record.actor),
      outcome: record.outcome,
      detail: record.detail ?? null,
    },
    (bytes) => deps.vault.auditMac(bytes),
  );
}

/**
 * Every attempt of a key or encryption action is audited (SPEC, beyond the seed). A use case
 * records its success inside its own unit of work (`recordAudit`); a refusal is recorded here,
 * after the unit of work rolled back. A tenant that does not exist has no log to write to, so
 * those refusals (404) are not recorded; nor are a stranger's probes of another tenant, whose
 * log would otherwise show who in which tenant tried.
 */
export async function audited<T>(
  deps: { store: Store; clock: Clock; vault: Pick<Vault, 'auditMac'> },
  actor: Principal,
  attempt: () => Promise<Attempt | undefined>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const target = await attempt().catch(() => undefined);
    const stranger = actor.kind === 'user' && target !== undefined && actor.tenantId !== target.tenantId;
    if (target && !stranger) {
      const detail = isKeywardError(error) ? error.code : 'INTERNAL';
      // An audit write failing must not hide the refusal itself; repeats are collapsed (audit-collapse.ts).
      await appendRefusal(deps.store, (bytes) => deps.vault.auditMac(bytes), {
        ...target,
        at: deps.clock.now(),
        actor: actorLabel(actor),
        outcome: 'refused',
        detail,
      }).catch(() => undefined);
    }
    throw error;
  }
}
