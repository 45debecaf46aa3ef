import type { AuditChainVersion, AuditMac } from '../domain/audit-chain.js';

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
  /** The previous entry's `hash` (64 zeros for the first). */
  prevHash: string;
  /** Keyed (v2): the vault's HMAC over the entry and prevHash; v1 entries an unkeyed SHA-256. */
  hash: string;
  version: AuditChainVersion;
}

export interface AuditRepo {
  /**
   * Appends to the tenant's chain: seq and prevHash assigned here, serialised per tenant, and the
   * entry's hash made with `mac` (the vault's audit MAC: domain/audit-chain.ts, version 2).
   */
  append(draft: AuditDraft, mac: AuditMac): Promise<AuditEntry>;
  list(tenantId: string, page: { afterSeq?: number; limit: number }): Promise<AuditEntry[]>;
  /**
   * The last seq and hash of the tenant's chain as recorded beside it (undefined before the first
   * append). A verifier compares the chain's end with it to notice entries cut off the end.
   */
  head(tenantId: string): Promise<{ seq: number; hash: string } | undefined>;
}
