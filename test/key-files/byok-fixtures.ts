// .byok files made the way byok.md describes, with the OpenSSL CLI only (pkcs8, rand, pkeyutl,
// enc -id-aesNNN-wrap-pad), so the reader is checked against an independent implementation.
import type { OpenSslWorkspace } from './openssl-workspace.js';

export interface ByokRecipe {
  /** PEM private key file (in the workspace) to wrap. */
  targetKey: string;
  /** PEM public key of the KEK the blob is wrapped for. */
  kekPublicPem: string;
  /** The kid written into the header (normally the KEK's). */
  kid: string;
  aesBytes?: 16 | 24 | 32;
  /** Keep base64 '=' padding (some tools do). */
  padded?: boolean;
}

export function byokJson(kid: string, ciphertext: string, header: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schema_version: '1.0.0',
    header: { kid, alg: 'dir', enc: 'CKM_RSA_AES_KEY_WRAP', ...header },
    ciphertext,
    generator: 'OpenSSL CLI test recipe',
  });
}

/** The ciphertext bytes (RSA-OAEP part ‖ AES-KWP part) made by OpenSSL. */
export function opensslByokCiphertext(ws: OpenSslWorkspace, recipe: ByokRecipe): Buffer {
  const aesBytes = recipe.aesBytes ?? 32;
  const p8 = ws.fresh('.p8');
  ws.run(['pkcs8', '-topk8', '-nocrypt', '-in', recipe.targetKey, '-outform', 'DER', '-out', p8]);
  const aesKey = ws.fresh('.key');
  ws.run(['rand', '-out', aesKey, String(aesBytes)]);
  const kekPub = ws.write(ws.fresh('.pub.pem'), recipe.kekPublicPem);
  const rsaPart = ws.fresh('.bin');
  ws.run([
    'pkeyutl',
    '-encrypt',
    '-pubin',
    '-inkey',
    kekPub,
    '-in',
    aesKey,
    '-out',
    rsaPart,
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    'rsa_oaep_md:sha1',
    '-pkeyopt',
    'rsa_mgf1_md:sha1',
  ]);
  const wrapped = ws.fresh('.bin');
  const hexKey = ws.read(aesKey).toString('hex');
  ws.run(['enc', `-id-aes${aesBytes * 8}-wrap-pad`, '-iv', 'A65959A6', '-K', hexKey, '-in', p8, '-out', wrapped]);
  return Buffer.concat([ws.read(rsaPart), ws.read(wrapped)]);
}

/** base64url as in byok.md: `openssl base64 -A | tr '+/' '-_' | tr -d '='`. */
export function opensslBase64Url(ws: OpenSslWorkspace, bytes: Buffer, padded = false): string {
  const file = ws.write(ws.fresh('.bin'), bytes);
  const base64 = ws.run(['base64', '-A', '-in', file]).stdout.toString().trim();
  const url = base64.replaceAll('+', '-').replaceAll('/', '_');
  return padded ? url : url.replace(/=+$/, '');
}

export function opensslByok(ws: OpenSslWorkspace, recipe: ByokRecipe): string {
  return byokJson(recipe.kid, opensslBase64Url(ws, opensslByokCiphertext(ws, recipe), recipe.padded));
}
