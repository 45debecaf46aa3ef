import { randomBytes } from 'node:crypto';
import { ck, findObjects, readAttribute, type Handle, type Pkcs11Api } from './pkcs11-api.js';

/**
 * The audit chain's HMAC key (SPEC L5) as a generic secret in the token: generated there,
 * sensitive, not extractable, usable only to sign and verify (CKM_SHA256_HMAC). Its CKA_ID
 * starts with a zero byte like the provider key's, so no tenant-key handle can name it. Which
 * one a deployment uses is recorded in the store (first writer wins), like the provider key: two
 * instances must MAC with the same key or the chain breaks.
 */
const ID_BYTES = 16;

export const auditKeyIdOf = (ckaId: Buffer): string => `hsm-audit-${ckaId.toString('hex')}`;

function searchTemplate(label: string) {
  return [
    { type: ck.CKA_CLASS, value: ck.CKO_SECRET_KEY },
    { type: ck.CKA_KEY_TYPE, value: ck.CKK_GENERIC_SECRET },
    { type: ck.CKA_LABEL, value: label },
  ];
}

export interface AuditKey {
  id: string;
  handle: Handle;
}

/** Every audit key under the label, lowest CKA_ID first. */
export function findAuditKeys(p: Pkcs11Api, session: Handle, label: string): AuditKey[] {
  return findObjects(p, session, searchTemplate(label))
    .map((handle) => ({ handle, ckaId: readAttribute(p, session, handle, ck.CKA_ID) }))
    .sort((a, b) => Buffer.compare(a.ckaId, b.ckaId))
    .map(({ handle, ckaId }) => ({ id: auditKeyIdOf(ckaId), handle }));
}

export function generateAuditKey(p: Pkcs11Api, session: Handle, label: string): void {
  p.C_GenerateKey(session, { mechanism: ck.CKM_GENERIC_SECRET_KEY_GEN }, [
    { type: ck.CKA_CLASS, value: ck.CKO_SECRET_KEY },
    { type: ck.CKA_KEY_TYPE, value: ck.CKK_GENERIC_SECRET },
    { type: ck.CKA_VALUE_LEN, value: 32 },
    { type: ck.CKA_TOKEN, value: true },
    { type: ck.CKA_PRIVATE, value: true },
    { type: ck.CKA_SENSITIVE, value: true },
    { type: ck.CKA_EXTRACTABLE, value: false },
    { type: ck.CKA_SIGN, value: true },
    { type: ck.CKA_VERIFY, value: true },
    { type: ck.CKA_ENCRYPT, value: false },
    { type: ck.CKA_DECRYPT, value: false },
    { type: ck.CKA_DERIVE, value: false },
    { type: ck.CKA_LABEL, value: label },
    { type: ck.CKA_ID, value: Buffer.concat([Buffer.alloc(1), randomBytes(ID_BYTES - 1)]) },
  ]);
}

/** HMAC-SHA256 inside the token. */
export function macInToken(p: Pkcs11Api, session: Handle, key: Handle, bytes: Buffer): Buffer {
  p.C_SignInit(session, { mechanism: ck.CKM_SHA256_HMAC }, key);
  return Buffer.from(p.C_Sign(session, bytes, Buffer.alloc(32)));
}
