import { isKeywardError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import type { AuditDraft } from '../ports/audit-store.js';
import type { Repos } from '../ports/store.js';
import type { AppDeps } from './deps.js';
import { appendRefusal } from './audit-collapse.js';

/** How a principal appears in the audit log and in e-mails: never a token, always who. */
export const actorLabel = (p: Principal): string => (p.kind === 'operator' ? 'operator' : `${p.email} (${p.id})`);

export interface Attempt {
  tenantId: string;
  action: string;
  target: string;
}

/**
 * Every attempt of a key or encryption action is audited (SPEC, beyond the seed). A use case
 * records its success inside its own unit of work (`auditSuccess`), so the entry commits with
 * the change; a refusal is recorded here, after the unit of work rolled back. A tenant that
 * does not exist has no log to write to, so those refusals (404) are not recorded; nor are a
 * stranger's probes of another tenant, whose log would otherwise show who in which tenant tried.
 */
export async function audited<T>(deps: AppDeps, actor: Principal, attempt: () => Promise<Attempt | undefined>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const target = await attempt().catch(() => undefined);
    const stranger = actor.kind === 'user' && target !== undefined && actor.tenantId !== target.tenantId;
    if (target && !stranger) {
      const detail = isKeywardError(error) ? error.code : 'INTERNAL';
      await appendRefusal(deps.store, { ...target, at: deps.clock.now(), actor: actorLabel(actor), outcome: 'refused', detail }).catch(
        () => undefined,
      ); // An audit write failing must not hide the refusal itself; repeats are collapsed (audit-collapse.ts).
    }
    throw error;
  }
}

export function auditSuccess(
  tx: Repos,
  deps: AppDeps,
  actor: Principal | string,
  attempt: Attempt,
  detail: string | null = null,
  outcome: AuditDraft['outcome'] = 'allowed',
) {
  return tx.audit.append({
    ...attempt,
    at: deps.clock.now(),
    actor: typeof actor === 'string' ? actor : actorLabel(actor),
    outcome,
    detail,
  });
}
