/**
 * Caps and accepted values for key files, in one place so the reader, the writer, the tests and
 * the INVARIANTS agree. The caps exist because key files come from outside: a few KiB of input
 * must never buy minutes of CPU (iteration counts) or megabytes of parsing (size, depth).
 */

/** RSA sizes Keyward accepts for tenant keys (2048 is the seed's; 3072 and 4096 beyond it). */
export const ACCEPTED_RSA_SIZES = [2048, 3072, 4096] as const;
export type RsaKeySize = (typeof ACCEPTED_RSA_SIZES)[number];

export function isAcceptedRsaSize(bits: number): bits is RsaKeySize {
  return (ACCEPTED_RSA_SIZES as readonly number[]).includes(bits);
}

/** A .pfx with an RSA-4096 key and a short chain is under 10 KiB; 64 KiB leaves room for chains. */
export const MAX_PFX_BYTES = 64 * 1024;
/** A .byok for RSA-4096 under an RSA-4096 KEK is about 4 KiB of JSON. */
export const MAX_BYOK_BYTES = 32 * 1024;

/** OWASP (2023) for PBKDF2-HMAC-SHA256; used for the bags and the MAC of files we write. */
export const DEFAULT_PFX_ITERATIONS = 600_000;

/**
 * The most iterations one key derivation in a file may ask for. Real files use 1 to 600,000
 * (OpenSSL 2048, Windows 2000 or 10,000, Keyward 600,000).
 */
export const MAX_KDF_ITERATIONS = 1_000_000;

/**
 * The most key-derivation work reading one .pfx may cost, in units of one PKCS#12-KDF SHA-256
 * iteration done by node-forge on the main thread (about 1 µs; weights in pbe-scheme.ts). A Keyward file
 * (600k MAC + two 600k PBKDF2 bags) costs 900k units; 2M units bound a hostile file to about
 * two seconds of CPU.
 */
export const MAX_PFX_WORK_UNITS = 2_000_000;

/** Bounds on the shape of a .pfx: ContentInfos, SafeBags and ASN.1 nesting. */
export const MAX_PFX_CONTENT_INFOS = 8;
export const MAX_PFX_SAFE_BAGS = 32;
export const MAX_ASN1_DEPTH = 24;

/** Key-exchange keys: RSA-4096 by default (what Azure's BYOK guide creates), 30 days to use. */
export const DEFAULT_KEK_SIZE: RsaKeySize = 4096;
export const DEFAULT_KEK_VALIDITY_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_KEK_VALIDITY_MS = 366 * 24 * 60 * 60 * 1000;

/** The self-signed certificate in a generated .pfx is a label; its dates carry no policy. */
export const DEFAULT_CERTIFICATE_VALIDITY_DAYS = 3650;
