/**
 * The audit log: append-only, one hash chain per tenant. Every attempt of every key and
 * encryption action is recorded, allowed or refused. Never a secret in any field.
 */
export type AuditOutcome = 'allowed' | 'refused' | 'succeeded' | 'failed';

export interface AuditDraft {
  tenantId: string;
  at: Date;
  /** Who: `operator`, or the user's id and e-mail, e.g. `usr_… (a@b.c)`. */
  actor: string;
  /** What, e.g. `key.activate`, `tenant.lock`, `environment.apply-tenant-key`. */
  action: string;
  /** On what, e.g. `key:key_…`, `environment:env_…`, `region:eu`. */
  target: string;
  outcome: AuditOutcome;
  /** The refusal's error code, or a short non-secret note. */
  detail: string | null;
}

export interface AuditEntry extends AuditDraft {
  seq: number;
  /** SHA-256 hex of the previous entry of the tenant (64 zeros for the first). */
  prevHash: string;
  hash: string;
}

export interface AuditRepo {
  /** Appends to the tenant's chain (seq and hashes computed here, serialised per tenant). */
  append(draft: AuditDraft): Promise<AuditEntry>;
  list(tenantId: string, page: { afterSeq?: number; limit: number }): Promise<AuditEntry[]>;
  /**
   * The last seq and hash of the tenant's chain as recorded beside it (undefined before the first
   * append). A verifier compares the chain's end with it to notice entries cut off the end.
   */
  head(tenantId: string): Promise<{ seq: number; hash: string } | undefined>;
}
