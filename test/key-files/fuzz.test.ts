// Fuzzing the readers over mutated valid files: only KeywardError (INVALID_KEY_FILE or
// BAD_PASSWORD) may come out, no parse may take a second, and Object.prototype stays untouched.
// Fixtures use 1 iteration so 10,000 cases per format take seconds: the cost of iterations is
// bounded separately (MAX_KDF_ITERATIONS, MAX_PFX_WORK_UNITS) and tested in pfx-read.test.ts.
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isKeywardError } from '../../src/domain/errors.js';
import { generatePfx, issueKeyExchangeKey, kekRecordOf, readByok, readPfx, type ReadByokInput } from '../../src/crypto/key-files/index.js';
import { encodeDer, explicitNode, integerNode, octetStringNode, oidNode, sequenceNode } from '../../src/crypto/key-files/forge-bridge.js';
import { assemblePfx, shroudedKeyBag } from '../../src/crypto/key-files/pfx-assemble.js';
import { computePkcs12Mac, macDataNode } from '../../src/crypto/key-files/pkcs12-mac.js';
import { OID } from '../../src/crypto/key-files/pkcs12-oids.js';
import { parsePfx } from '../../src/crypto/key-files/pfx-structure.js';
import { byokJson, opensslByokCiphertext } from './byok-fixtures.js';
import { OpenSslWorkspace } from './openssl-workspace.js';

const CASES = 10_000;
const PASSWORD = 'fuzz-Pa55';
const ws = new OpenSslWorkspace();
afterAll(() => ws.dispose());

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'splice'; donor: number; from: number; to: number; length: number };

/** Bytes that matter to DER: length forms, tags, sign bits. */
const interestingByte = fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xa0, 0xff);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('overwrite' as const),
      at: fc.nat(),
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 4 }),
        interestingByte.map((b) => Uint8Array.of(b)),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      donor: fc.nat(),
      from: fc.nat(),
      to: fc.nat(),
      length: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

function applyMutation(file: Buffer, m: Mutation, donors: readonly Buffer[]): Buffer {
  const size = Math.max(file.length, 1);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(file);
      const at = m.at % size;
      if (at < out.length) out[at] = (out[at] ?? 0) ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return file.subarray(0, m.at % size);
    case 'insert': {
      const at = m.at % (file.length + 1);
      return Buffer.concat([file.subarray(0, at), m.bytes, file.subarray(at)]);
    }
    case 'delete': {
      const at = m.at % size;
      return Buffer.concat([file.subarray(0, at), file.subarray(at + m.length)]);
    }
    case 'overwrite': {
      const out = Buffer.from(file);
      out.set(m.bytes.subarray(0, Math.max(0, out.length - (m.at % size))), m.at % size);
      return out;
    }
    case 'splice': {
      const donor = donors[m.donor % donors.length] ?? file;
      const from = m.from % Math.max(donor.length, 1);
      const to = m.to % size;
      const chunk = donor.subarray(from, from + m.length);
      return Buffer.concat([file.subarray(0, to), chunk, file.subarray(to + chunk.length)]);
    }
  }
}

function mutateAll(file: Buffer, mutations: readonly Mutation[], donors: readonly Buffer[]): Buffer {
  return mutations.reduce((current, m) => applyMutation(current, m, donors), file);
}

/** A PFX around `authSafe` with a correct 1-iteration SHA-256 MAC, so mutations inside get past the MAC. */
function withMac(authSafe: Buffer): Buffer {
  const salt = Buffer.alloc(8, 7);
  const mac = computePkcs12Mac('sha256', PASSWORD, salt, 1, authSafe);
  return encodeDer(
    sequenceNode([
      integerNode(3),
      sequenceNode([oidNode(OID.data), explicitNode(0, octetStringNode(authSafe))]),
      macDataNode('sha256', mac, salt, 1),
    ]),
  );
}

/** CKM_RSA_AES_KEY_WRAP done with node:crypto, to put mutated PKCS#8 inside a valid .byok. */
function wrapForKek(pkcs8: Buffer, kekPublic: KeyObject): Buffer {
  const aesKey = randomBytes(32);
  const head = publicEncrypt({ key: kekPublic, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, aesKey);
  const cipher = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  const body = pkcs8.length === 0 ? Buffer.alloc(1) : pkcs8;
  return Buffer.concat([head, cipher.update(body), cipher.final()]);
}

function prototypeSnapshot(): Map<string | symbol, unknown> {
  const snapshot = new Map<string | symbol, unknown>();
  for (const key of Reflect.ownKeys(Object.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(Object.prototype, key) ?? {};
    snapshot.set(key, 'value' in descriptor ? descriptor.value : 'accessor');
  }
  return snapshot;
}

interface FuzzStats {
  cases: number;
  maxMs: number;
  totalMs: number;
  outcomes: Record<string, number>;
  /** How often each message was seen (first words), to show how deep the fuzz reaches. */
  details: Map<string, number>;
}

const newStats = (): FuzzStats => ({ cases: 0, maxMs: 0, totalMs: 0, outcomes: {}, details: new Map() });

/** Runs one parse, checks that only a KeywardError of an allowed code can come out, records time. */
async function observe(stats: FuzzStats, parse: () => unknown): Promise<void> {
  const started = performance.now();
  let outcome = 'ok';
  try {
    await parse();
  } catch (error) {
    if (!isKeywardError(error) || (error.code !== 'INVALID_KEY_FILE' && error.code !== 'BAD_PASSWORD')) {
      throw new Error(`unexpected error type: ${String(error)}`);
    }
    outcome = error.code;
    const detail = error.detail.split(/[:;(]/)[0] ?? '';
    stats.details.set(detail, (stats.details.get(detail) ?? 0) + 1);
  }
  const ms = performance.now() - started;
  stats.cases += 1;
  stats.totalMs += ms;
  stats.maxMs = Math.max(stats.maxMs, ms);
  stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
}

function report(format: string, stats: FuzzStats, wallMs: number): void {
  console.log(
    `fuzz ${format}: ${stats.cases} cases in ${(wallMs / 1000).toFixed(1)} s, parse max ${stats.maxMs.toFixed(1)} ms, ` +
      `mean ${(stats.totalMs / stats.cases).toFixed(2)} ms, outcomes ${JSON.stringify(stats.outcomes)}`,
  );
  const top = [...stats.details.entries()].sort((a, b) => b[1] - a[1]);
  for (const [detail, count] of top) console.log(`  ${String(count).padStart(5)}  ${detail}`);
}

describe('fuzz', () => {
  let before: Map<string | symbol, unknown>;
  beforeAll(() => {
    before = prototypeSnapshot();
  });
  afterAll(() => {
    expect(prototypeSnapshot()).toEqual(before);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  test(`readPfx: ${CASES} mutated files`, { timeout: 180_000 }, async () => {
    const key = ws.rsaKey(2048);
    const cert = ws.selfSignedCert(key);
    const seeds = [
      ws.exportPfx({ key, cert, password: PASSWORD, extra: ['-iter', '1'] }),
      ws.exportPfx({ key, cert, password: PASSWORD, extra: ['-legacy', '-iter', '1'] }),
      ws.exportPfx({ key, password: PASSWORD, extra: ['-iter', '1'] }),
      (await generatePfx({ keyName: 'fuzz', tenantName: 'fuzz', password: PASSWORD, now: new Date(0), iterations: 1 })).pfx,
    ];
    for (const seed of seeds) await expect(readPfx(seed, PASSWORD)).resolves.toBeDefined();
    const authSafes = seeds.map((seed) => parsePfx(seed).authSafe);
    const pkcs8 = (await readPfx(seeds[0] ?? Buffer.alloc(0), PASSWORD)).privateKey.export({ type: 'pkcs8', format: 'der' });

    // Three layers: raw file bytes (mostly stopped by the parser or the MAC); the AuthenticatedSafe
    // with a recomputed MAC (reaches decryption and SafeContents parsing); the PKCS#8 key inside a
    // valid envelope (reaches the key gate).
    const layer = fc.oneof(
      { weight: 5, arbitrary: fc.constant('raw' as const) },
      { weight: 3, arbitrary: fc.constant('authSafe' as const) },
      { weight: 2, arbitrary: fc.constant('pkcs8' as const) },
    );
    const build = async (which: number, where: 'raw' | 'authSafe' | 'pkcs8', mutations: Mutation[]): Promise<Buffer> => {
      const i = which % seeds.length;
      if (where === 'raw') return mutateAll(seeds[i] ?? Buffer.alloc(0), mutations, seeds);
      if (where === 'authSafe') return withMac(mutateAll(authSafes[i] ?? Buffer.alloc(0), mutations, authSafes));
      const mutated = mutateAll(pkcs8, mutations, [pkcs8]);
      return assemblePfx([{ bags: [shroudedKeyBag(mutated, PASSWORD, 1)], encrypt: false }], PASSWORD, 1);
    };

    const stats = newStats();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.nat(), layer, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (which, where, mutations) => {
        const file = await build(which, where, mutations);
        await observe(stats, () => readPfx(file, PASSWORD));
      }),
      { numRuns: CASES },
    );
    report('.pfx', stats, performance.now() - started);
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);
    expect(stats.maxMs).toBeLessThan(1000);
    // The fuzz reached past the parser: wrong-password verdicts and many distinct refusals.
    expect(stats.outcomes.BAD_PASSWORD ?? 0).toBeGreaterThan(0);
    expect(stats.details.size).toBeGreaterThanOrEqual(8);
  });

  test(`readByok: ${CASES} mutated files`, { timeout: 180_000 }, async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const kek = await issueKeyExchangeKey({ tenantId: 't', region: 'r', now, keySize: 2048 });
    const target = ws.rsaKey(2048);
    const ciphertext = opensslByokCiphertext(ws, { targetKey: target, kekPublicPem: kek.publicKeyPem, kid: kek.kid });
    const seed = Buffer.from(byokJson(kek.kid, ciphertext.toString('base64url')));
    const input: ReadByokInput = {
      keks: new Map([[kek.kid, kekRecordOf({ privateKey: kek.privateKey, expiresAt: kek.expiresAt, tenantId: 't', region: 'r' })]]),
      tenantId: 't',
      region: 'r',
      now,
    };
    expect((await readByok(seed, input)).keySize).toBe(2048);

    // Four layers: raw bytes of the JSON; bytes of the decoded ciphertext (to reach the RSA and
    // AES-KWP steps past the JSON and base64 checks); the PKCS#8 key inside a valid wrapping (to
    // reach the key gate); JSON values swapped for random ones.
    const raw = fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => mutateAll(seed, ms, [seed]));
    const inCiphertext = fc
      .array(mutation, { minLength: 1, maxLength: 2 })
      .map((ms) => Buffer.from(byokJson(kek.kid, mutateAll(ciphertext, ms, [ciphertext]).toString('base64url'))));
    const field = fc.constantFrom('schema_version', 'header', 'ciphertext', 'kid', 'alg', 'enc');
    const swapped = fc.tuple(field, fc.jsonValue({ maxDepth: 3 })).map(([name, value]) => {
      const document = JSON.parse(seed.toString()) as Record<string, unknown>;
      const header = document.header as Record<string, unknown>;
      if (name === 'kid' || name === 'alg' || name === 'enc') header[name] = value;
      else document[name] = value;
      return Buffer.from(JSON.stringify(document));
    });
    const targetPkcs8 = (await readByok(seed, input)).privateKey.export({ type: 'pkcs8', format: 'der' });
    const kekPublic = createPublicKey(kek.publicKeyPem);
    const inKey = fc
      .array(mutation, { minLength: 1, maxLength: 3 })
      .map((ms) => Buffer.from(byokJson(kek.kid, wrapForKek(mutateAll(targetPkcs8, ms, [targetPkcs8]), kekPublic).toString('base64url'))));
    const cases = fc.oneof(
      { weight: 4, arbitrary: raw },
      { weight: 3, arbitrary: inCiphertext },
      { weight: 2, arbitrary: inKey },
      { weight: 1, arbitrary: swapped },
    );

    const stats = newStats();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(cases, async (file) => {
        await observe(stats, () => readByok(file, input));
      }),
      { numRuns: CASES },
    );
    report('.byok', stats, performance.now() - started);
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);
    expect(stats.maxMs).toBeLessThan(1000);
    expect(stats.details.size).toBeGreaterThanOrEqual(8);
  });
});
