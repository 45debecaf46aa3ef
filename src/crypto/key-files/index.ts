/**
 * Key files: generate and read .pfx (PKCS#12), read .byok (Azure BYOK), issue key-exchange
 * keys. Pure: no file system, no environment, no clock (time is a `now` argument).
 */
export type { KeyFileKey } from './accepted-rsa-key.js';
export { kekRecordOf, readByok, type KekLookup, type KekRecord, type ReadByokInput } from './byok.js';
export { issueKeyExchangeKey, keyExchangeKeyId, type IssueKeyExchangeKeyInput, type KeyExchangeKey } from './key-exchange-key.js';
export { ACCEPTED_RSA_SIZES, DEFAULT_PFX_ITERATIONS, MAX_BYOK_BYTES, MAX_KDF_ITERATIONS, MAX_PFX_BYTES, type RsaKeySize } from './key-file-limits.js';
export { generatePfx, writePfx, type GeneratedPfx, type GeneratePfxInput, type WritePfxInput } from './pfx-generate.js';
export { readPfx } from './pfx-read.js';
export { thumbprintOf } from './thumbprint.js';
