import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

/**
 * The software vault's master key: 256 bits, kept as 64 hex characters in a file the operator
 * owns. Made at first start when no file is configured. Never logged, never in an error.
 */
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export interface MasterKeySource {
  key: Buffer;
  /** True when this start made the key (and so the file). */
  created: boolean;
  /** A warning for the operator when the file is readable by others. */
  warning?: string;
}

export function loadOrCreateMasterKey(file: string, mayCreate: boolean): MasterKeySource {
  if (!existsSync(file)) {
    if (!mayCreate) {
      throw new Error(`KEYWARD_MASTER_KEY_FILE points at ${file}, which does not exist.`);
    }
    const key = randomBytes(32);
    // 'wx': never overwrite a key another process made at the same moment.
    writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { key, created: true };
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!HEX_KEY.test(text)) {
    throw new Error(`The master key file ${file} must hold exactly 64 hex characters (256 bits).`);
  }
  const mode = statSync(file).mode & 0o077;
  const warning = mode !== 0 ? `The master key file ${file} is readable by group or others; chmod 600 it.` : undefined;
  return { key: Buffer.from(text, 'hex'), created: false, ...(warning ? { warning } : {}) };
}
