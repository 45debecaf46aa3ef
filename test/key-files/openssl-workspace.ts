// OpenSSL 3 CLI as the referee for key-file tests: fixtures are made with it at test time in a
// temp dir, and files we write are checked by it. No shell: arguments go straight to execFile.
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

export class OpenSslWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'keyward-key-files-'));
  private counter = 0;

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A fresh file name in the workspace. */
  fresh(suffix: string): string {
    this.counter += 1;
    return `f${this.counter}${suffix}`;
  }

  /** Runs openssl in the workspace; throws with its stderr when it fails. */
  run(args: string[], input?: Buffer): RunResult {
    const result = spawnSync(OPENSSL, args, { cwd: this.dir, input, maxBuffer: 16 * 1024 * 1024 });
    const stderr = result.stderr.toString();
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.status}): ${stderr}`);
    return { stdout: result.stdout, stderr };
  }

  write(name: string, data: Buffer | string): string {
    writeFileSync(this.path(name), data);
    return name;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** A private key PEM made by `openssl genpkey`; returns its file name. */
  genpkey(args: string[]): string {
    const out = this.fresh('.pem');
    this.run(['genpkey', ...args, '-out', out]);
    return out;
  }

  rsaKey(bits: number): string {
    return this.genpkey(['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`]);
  }

  selfSignedCert(keyFile: string, subject = '/CN=fixture'): string {
    const out = this.fresh('.crt');
    this.run(['req', '-new', '-x509', '-key', keyFile, '-subj', subject, '-days', '2', '-out', out]);
    return out;
  }

  /** `openssl pkcs12 -export` with the given extra options; returns the .pfx bytes. */
  exportPfx(options: { key?: string; cert?: string; password: string; extra?: string[] }): Buffer {
    const out = this.fresh('.pfx');
    const args = ['pkcs12', '-export', '-out', out, '-passout', `pass:${options.password}`, ...(options.extra ?? [])];
    if (options.key !== undefined) args.push('-inkey', options.key);
    if (options.cert !== undefined) args.push('-in', options.cert);
    else if (!(options.extra ?? []).includes('-nokeys')) args.push('-nocerts');
    this.run(args);
    return this.read(out);
  }

  /** What `openssl pkcs12 -info -noout` prints about a .pfx (OpenSSL 3, no -legacy), stdout and stderr. */
  pfxInfo(pfx: Buffer, password: string): string {
    const file = this.write(this.fresh('.pfx'), pfx);
    const { stdout, stderr } = this.run(['pkcs12', '-info', '-noout', '-in', file, '-passin', `pass:${password}`]);
    return stdout.toString() + stderr;
  }

  /** Runs `openssl pkcs12` on a .pfx with `args` and returns stdout (PEM). */
  pfxExtract(pfx: Buffer, password: string, args: string[]): string {
    const file = this.write(this.fresh('.pfx'), pfx);
    return this.run(['pkcs12', '-in', file, '-passin', `pass:${password}`, ...args]).stdout.toString();
  }

  /** SHA-256 of the SPKI DER of a PEM key (private or public), computed by OpenSSL. */
  thumbprintOfKeyPem(pem: string): string {
    const file = this.write(this.fresh('.pem'), pem);
    const spki = this.run(['pkey', '-in', file, '-pubout', '-outform', 'DER']).stdout;
    return createHash('sha256').update(spki).digest('hex');
  }

  thumbprintOfKeyFile(name: string): string {
    return this.thumbprintOfKeyPem(this.read(name).toString());
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Thumbprint computed without our module, for cross-checks. */
export function spkiSha256(pem: string): string {
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}
