import { createHmac } from 'node:crypto';
import type { AuditMac } from '../../src/domain/audit-chain.js';

/** An audit MAC under a fixed key, for store tests (in the server, the vault holds the key). */
export const testAuditMac =
  (key = 'keyward test audit key'): AuditMac =>
  (bytes) =>
    Promise.resolve(createHmac('sha256', key).update(bytes).digest());

export const auditMac = testAuditMac();
