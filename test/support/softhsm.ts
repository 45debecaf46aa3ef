import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';

/**
 * SoftHSM2 tokens for tests, each in a throwaway token directory, never the machine's own.
 *
 * SoftHSM2 reads its configuration (SOFTHSM2_CONF) and scans its token directory when the module
 * is initialised, and a process initialises it once. So all tokens of one process live in one
 * temporary directory under one configuration, which this module points SOFTHSM2_CONF at; make
 * every token a test file needs *before* the first vault of the process starts (in beforeAll),
 * or after every vault has closed. Child processes (end-to-end servers) get `env`.
 */
export interface SoftHsmToken {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  confPath: string;
  /** For a child process: SOFTHSM2_CONF plus the KEYWARD_* settings that select this token. */
  env: Record<string, string>;
  /** Deletes the token (its keys with it). */
  cleanup(): Promise<void>;
}

export const SOFTHSM_INSTALL_HINT =
  'Install it with `sudo apt-get install softhsm2` (Debian/Ubuntu), `sudo dnf install softhsm` (Fedora), `brew install softhsm` (macOS); ' +
  'set SOFTHSM2_MODULE if libsofthsm2.so is somewhere unusual.';

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

export type SoftHsmStatus = { available: true; modulePath: string; version: string } | { available: false; reason: string };

let status: SoftHsmStatus | undefined;

export function softHsmStatus(): SoftHsmStatus {
  if (status) return status;
  const modulePath = [process.env.SOFTHSM2_MODULE, ...MODULE_CANDIDATES].find((path): path is string => !!path && existsSync(path));
  let version: string | undefined;
  try {
    version = execFileSync('softhsm2-util', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    version = undefined;
  }
  status = !modulePath
    ? { available: false, reason: 'libsofthsm2.so not found' }
    : !version
      ? { available: false, reason: 'softhsm2-util not on PATH' }
      : { available: true, modulePath, version };
  return status;
}

/**
 * True when SoftHSM2 is here. Otherwise registers, under `suite`, a failing test when CI is set
 * (CI installs SoftHSM2, so its absence there is a broken pipeline, not a reason to skip) or a
 * skipped one saying how to install it, and returns false.
 */
export function requireSoftHsm(suite: string): boolean {
  const found = softHsmStatus();
  if (found.available) return true;
  const message = `SoftHSM2 is not installed (${found.reason}). ${SOFTHSM_INSTALL_HINT}`;
  if (process.env.CI) {
    describe(suite, () => {
      it('needs SoftHSM2, which CI installs', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`${suite}: skipped. ${message}`);
    describe(suite, () => {
      it.skip(message, () => undefined);
    });
  }
  return false;
}

let shared: { dir: string; confPath: string; tokenDir: string } | undefined;

function sharedConf(): { dir: string; confPath: string; tokenDir: string } {
  if (shared) return shared;
  const dir = mkdtempSync(join(tmpdir(), 'keyward-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { mode: 0o700 });
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(
    confPath,
    [
      `directories.tokendir = ${tokenDir}`,
      'objectstore.backend = ' + (process.env.KW_SOFTHSM_BACKEND ?? 'file'),
      'log.level = ERROR',
      'slots.removable = false',
      '',
    ].join('\n'),
  );
  process.env.SOFTHSM2_CONF = confPath;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true })); // if a test forgot cleanup()
  shared = { dir, confPath, tokenDir };
  return shared;
}

let counter = 0;
let live = 0;
let initialising: Promise<unknown> = Promise.resolve();
const run = promisify(execFile);

/** A fresh, initialised token with a random user PIN, in this process's temporary token directory. */
export async function createSoftHsmToken(options: { label?: string } = {}): Promise<SoftHsmToken> {
  const found = softHsmStatus();
  if (!found.available) throw new Error(`SoftHSM2 is not installed (${found.reason}). ${SOFTHSM_INSTALL_HINT}`);
  const { confPath } = sharedConf();
  const tokenLabel = options.label ?? `kw-${process.pid}-${counter++}-${randomBytes(3).toString('hex')}`;
  if (tokenLabel.length > 32) throw new RangeError('PKCS#11 token labels are at most 32 characters.');
  const pin = randomBytes(8).toString('hex');
  const soPin = randomBytes(8).toString('hex');
  const env = { ...process.env, SOFTHSM2_CONF: confPath };
  // One at a time: two `--init-token --free` at once both take the same free slot.
  const made = initialising.then(() =>
    run('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', soPin], { env }),
  );
  initialising = made.catch(() => undefined);
  await made;
  live += 1;
  let cleaned = false;
  return {
    modulePath: found.modulePath,
    tokenLabel,
    pin,
    confPath,
    env: {
      SOFTHSM2_CONF: confPath,
      KEYWARD_VAULT: 'pkcs11',
      KEYWARD_PKCS11_MODULE: found.modulePath,
      KEYWARD_PKCS11_TOKEN_LABEL: tokenLabel,
      KEYWARD_PKCS11_PIN: pin,
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      await run('softhsm2-util', ['--delete-token', '--token', tokenLabel], { env }).catch(() => undefined);
      live -= 1;
      if (live === 0 && shared) {
        // The last token of this directory: take the directory too (a later token makes a new one).
        rmSync(shared.dir, { recursive: true, force: true });
        shared = undefined;
      }
    },
  };
}
