/**
 * The shapes of API.md as the CLI reads them. Declared here rather than imported from
 * src/http: the CLI depends on the published contract, not on the server's code.
 */
export interface Tenant {
  id: string;
  name: string;
  licensedSeats: number;
  regions: string[];
  cmkOptIn: boolean;
  cmkEnabled: boolean;
  cmkEnabledAt: string | null;
}

export interface Environment {
  id: string;
  tenantId: string;
  name: string;
  region: string;
  type: string;
  createdAt: string;
  cmkEligible: boolean;
  encryption: { mode: 'provider' | 'tenant'; keyId: string | null; status: string };
}

export interface Key {
  id: string;
  tenantId: string;
  region: string;
  name: string;
  state: string;
  source: string;
  thumbprint: string;
  keySize: number;
  createdAt: string;
  activatedAt: string | null;
  lockedAt: string | null;
  failureReason?: string | null;
}

export interface Operation {
  id: string;
  type: string;
  status: 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number };
  error: null | { code: string; detail: string };
  createdAt: string;
  finishedAt: string | null;
}

export interface Backup {
  id: string;
  environmentId: string;
  label: string | null;
  createdAt: string;
  /** Beyond API.md (shown when the server sends them): what protected the data key, and the size. */
  protector?: { mode: 'provider' | 'tenant'; keyId: string | null };
  sizeBytes?: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  detail?: string | null;
}

export interface Items<T> {
  items: T[];
}
