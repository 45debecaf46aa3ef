import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mariadb, { type Connection } from 'mariadb';
import { describe, it } from 'vitest';
import { ENCRYPTION_AT_REST_LINES, keyServiceLines, type KeyServiceSettings } from '../../src/adapters/engines/mariadb/my-cnf.js';
import { freePort } from './server.js';

/**
 * Private MariaDB servers for tests: each its own data dir, port, socket, pid file, error log and
 * tmpdir under a throwaway directory, started from the Debian packages' `mariadbd` with its own
 * my.cnf (`--defaults-file`, so /etc/mysql is never read), stopped by its pid. Never the
 * machine's own MariaDB on 3306.
 *
 * Data dirs are copies of one template that `mariadb-install-db --no-defaults` makes once per
 * machine (unencrypted: the system tablespace and mysql.* are encrypted by the encryption threads
 * at the first encrypted start; `untilEncrypted()` waits for that). `root` (no password, socket
 * only) is the harness's superuser; `admin` is the account the issue asks for (SHUTDOWN and
 * PROCESS, on 127.0.0.1), made at the first start.
 */
export const MARIADB_INSTALL_HINT =
  'Install it with `sudo apt-get install mariadb-server mariadb-plugin-hashicorp-key-management` (Debian/Ubuntu); ' +
  'set MARIADBD / MARIADB_INSTALL_DB / MARIADB_PLUGIN_DIR if they live somewhere unusual.';

const PLUGIN_FILE = 'hashicorp_key_management.so';

export type MariaDbStatus = { available: true; mariadbd: string; installDb: string; pluginDir: string } | { available: false; reason: string };

let status: MariaDbStatus | undefined;

function onPath(name: string, extra: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extra].filter(Boolean);
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

export function mariaDbStatus(): MariaDbStatus {
  if (status) return status;
  // A path given in the environment is the one to use: if it is missing, MariaDB is missing.
  const find = (given: string | undefined, name: string, extra: string[]) =>
    given !== undefined ? (existsSync(given) ? given : undefined) : onPath(name, extra);
  const mariadbd = find(process.env.MARIADBD, 'mariadbd', ['/usr/sbin', '/usr/local/sbin']);
  const installDb = find(process.env.MARIADB_INSTALL_DB, 'mariadb-install-db', ['/usr/bin', '/usr/local/bin']);
  const pluginDirs = process.env.MARIADB_PLUGIN_DIR
    ? [process.env.MARIADB_PLUGIN_DIR]
    : ['/usr/lib/mysql/plugin', '/usr/lib64/mysql/plugin', '/usr/local/mysql/lib/plugin'];
  const pluginDir = pluginDirs.find((d) => existsSync(join(d, PLUGIN_FILE)));
  status = !mariadbd
    ? { available: false, reason: 'mariadbd not found' }
    : !installDb
      ? { available: false, reason: 'mariadb-install-db not found' }
      : !pluginDir
        ? { available: false, reason: `${PLUGIN_FILE} (mariadb-plugin-hashicorp-key-management) not found` }
        : { available: true, mariadbd, installDb, pluginDir };
  return status;
}

/**
 * True when MariaDB and the plugin are here. Otherwise registers, under `suite`, a failing test
 * when CI is set (CI installs them, so their absence is a broken pipeline) or a skipped one
 * saying how to install them, and returns false.
 */
export function requireMariaDb(suite: string): boolean {
  const found = mariaDbStatus();
  if (found.available) return true;
  const message = `MariaDB is not installed (${found.reason}). ${MARIADB_INSTALL_HINT}`;
  if (process.env.CI) {
    describe(suite, () => {
      it('needs MariaDB and its hashicorp_key_management plugin, which CI installs', () => {
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

const run = promisify(execFile);
let template: Promise<string> | undefined;
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function available(): Extract<MariaDbStatus, { available: true }> {
  const found = mariaDbStatus();
  if (!found.available) throw new Error(`MariaDB is not installed (${found.reason}). ${MARIADB_INSTALL_HINT}`);
  return found;
}

/**
 * One freshly installed, never started data dir per machine and MariaDB build (in the system's
 * temporary directory, reused by later runs); servers start from copies of it. Installed into a
 * directory of its own and renamed into place, so two suites installing at once cannot clash.
 */
function templateDatadir(): Promise<string> {
  template ??= (async () => {
    const { installDb, mariadbd } = available();
    const build = statSync(mariadbd);
    const stable = join(tmpdir(), `keyward-mariadb-template-${process.getuid?.() ?? 'u'}-${build.size}-${Math.trunc(build.mtimeMs)}`);
    if (existsSync(join(stable, 'complete'))) return join(stable, 'data');
    const dir = mkdtempSync(join(tmpdir(), 'keyward-mariadb-install-'));
    try {
      await run(installDb, [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        '--innodb-log-file-size=8M',
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ]);
      writeFileSync(join(dir, 'complete'), '');
      try {
        renameSync(dir, stable);
      } catch {
        // Another suite put its template there first: use that one.
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (!existsSync(join(stable, 'complete'))) throw new Error(`could not prepare the MariaDB template data dir at ${stable}`);
    return join(stable, 'data');
  })();
  return template;
}

export interface MariaDbOptions {
  /** Where the plugin fetches its keys; absent: no plugin and no encryption at all (the control). */
  keyService?: KeyServiceSettings;
  /** Binary log on (default), encrypted with the rest. */
  binlog?: boolean;
  /** Extra my.cnf lines, last (they win). */
  extra?: string[];
}

export interface MariaDbAccount {
  user: string;
  password: string;
  /** `mysql://user:password@127.0.0.1:port`, the admin URL form Keyward takes. */
  url: string;
}

export interface StartFailure {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The error log of this start attempt. */
  log: string;
}

export interface MariaDb {
  readonly dir: string;
  readonly datadir: string;
  readonly tmpdir: string;
  readonly port: number;
  readonly socket: string;
  readonly cnfPath: string;
  readonly errorLogPath: string;
  /** The account with SHUTDOWN and PROCESS (made at the first start). */
  readonly admin: MariaDbAccount;
  readonly pid: number | undefined;
  /** Starts mariadbd and waits until it accepts connections; throws with its error log if it exits. */
  start(): Promise<void>;
  /** Starts mariadbd expecting it to refuse to start; throws if it becomes ready instead. */
  startExpectingFailure(): Promise<StartFailure>;
  /** Resolves when the running mariadbd has exited (at once if none runs). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a graceful shutdown) by pid, and waits for the exit. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rewrites my.cnf for another key service or token (takes effect at the next start). */
  reconfigure(options: MariaDbOptions): void;
  /** A connection as the harness's superuser, over the socket. */
  root(): Promise<Connection>;
  /** Runs statements as root on one connection and returns the last result. */
  sql<T = unknown>(...statements: Array<string | [string, unknown[]]>): Promise<T>;
  /** Another account with the given privileges on *.*, on 127.0.0.1. */
  createAccount(user: string, privileges: string[]): Promise<MariaDbAccount>;
  /** Waits until every InnoDB tablespace is encrypted and no rotation is in progress. */
  untilEncrypted(): Promise<void>;
  /** The error log of the current (or last) start. */
  log(): string;
  /**
   * Every file of the data dir and the tmpdir (what a disk thief gets), plus the temporary files
   * the running server has already unlinked but still holds open (filesort and binlog caches),
   * read through /proc/<pid>/fd.
   */
  files(): string[];
  /** /proc/<pid>/fd paths of the unlinked temporary files the running server holds open. */
  unlinkedTempFiles(): string[];
  /** Kills what runs and deletes every file. */
  destroy(): Promise<void>;
}

function cnf(
  m: { datadir: string; tmpdir: string; port: number; socket: string; pidFile: string; errorLogPath: string },
  options: MariaDbOptions,
): string {
  const { pluginDir } = available();
  return [
    '[mariadbd]',
    ...(process.getuid?.() === 0 ? ['user = root'] : []),
    `datadir = ${m.datadir}`,
    `tmpdir = ${m.tmpdir}`,
    `port = ${m.port}`,
    'bind-address = 127.0.0.1',
    `socket = ${m.socket}`,
    `pid-file = ${m.pidFile}`,
    `log-error = ${m.errorLogPath}`,
    `plugin-dir = ${pluginDir}`,
    'skip-name-resolve',
    'innodb_log_file_size = 8M',
    'innodb_buffer_pool_size = 24M',
    // Small, so temporary Aria tables (user and internal) reach their files in tmpdir during a test.
    'aria_pagecache_buffer_size = 128K',
    'max_connections = 30',
    'loose-feedback = OFF',
    ...(options.binlog === false ? [] : [`log_bin = ${join(m.datadir, 'binlog')}`, 'server_id = 1']),
    ...(options.keyService ? [...keyServiceLines(options.keyService), ...ENCRYPTION_AT_REST_LINES] : []),
    ...(options.extra ?? []),
    '',
  ].join('\n');
}

function readFrom(path: string, offset: number): string {
  if (!existsSync(path)) return '';
  const size = statSync(path).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

function walk(dir: string, into: string[] = []): string[] {
  if (!existsSync(dir)) return into;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (entry.isFile()) into.push(path);
  }
  return into;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function createMariaDb(options: MariaDbOptions = {}): Promise<MariaDb> {
  const { mariadbd } = available();
  const source = await templateDatadir();
  const dir = mkdtempSync(join(tmpdir(), 'kw-mdb-'));
  dirs.add(dir);
  const datadir = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  cpSync(source, datadir, { recursive: true });
  mkdirSync(tmp);
  const paths = {
    datadir,
    tmpdir: tmp,
    port: await freePort(),
    socket: join(dir, 'mariadbd.sock'),
    pidFile: join(dir, 'mariadbd.pid'),
    errorLogPath: join(dir, 'error.log'),
  };
  const cnfPath = join(dir, 'my.cnf');
  writeFileSync(cnfPath, cnf(paths, options), { mode: 0o600 });

  const admin: MariaDbAccount = { user: 'keyward', password: randomBytes(18).toString('base64url'), url: '' };
  admin.url = `mysql://${admin.user}:${encodeURIComponent(admin.password)}@127.0.0.1:${paths.port}`;
  let adminMade = false;
  let child: ChildProcess | undefined;
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null });
  let logOffset = 0;

  const root = async () => {
    const c = await mariadb.createConnection({
      socketPath: paths.socket,
      user: 'root',
      connectTimeout: 2_000,
      bigIntAsNumber: true,
      decimalAsNumber: true,
    });
    c.on('error', () => undefined); // the server may stop under a held connection; that is the test's business
    return c;
  };

  function spawnServer(): void {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error('this mariadbd is already running');
    logOffset = existsSync(paths.errorLogPath) ? statSync(paths.errorLogPath).size : 0;
    const started = spawn(mariadbd, [`--defaults-file=${cnfPath}`], { stdio: 'ignore' });
    child = started;
    live.add(started);
    exit = new Promise((resolve) =>
      started.once('exit', (code, signal) => {
        live.delete(started);
        resolve({ code, signal });
      }),
    );
  }

  /** 'ready' once root gets in over the socket, 'exited' if the process ends first. */
  async function readiness(deadlineMs: number): Promise<'ready' | 'exited'> {
    const current = child!;
    let gone = false;
    void exit.then(() => (gone = true));
    const deadline = Date.now() + deadlineMs;
    while (Date.now() < deadline) {
      if (gone || current.exitCode !== null || current.signalCode !== null) return 'exited';
      try {
        const c = await root();
        await c.end();
        return 'ready';
      } catch {
        await delay(50);
      }
    }
    current.kill('SIGKILL');
    throw new Error(`mariadbd did not become ready within ${deadlineMs} ms:\n${readFrom(paths.errorLogPath, logOffset)}`);
  }

  const server: MariaDb = {
    dir,
    datadir,
    tmpdir: tmp,
    port: paths.port,
    socket: paths.socket,
    cnfPath,
    errorLogPath: paths.errorLogPath,
    admin,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    async start() {
      spawnServer();
      if ((await readiness(30_000)) === 'exited') {
        const { code, signal } = await exit;
        throw new Error(`mariadbd exited (code ${code}, signal ${signal}) instead of starting:\n${server.log()}`);
      }
      if (!adminMade) {
        await server.sql(
          [`CREATE USER '${admin.user}'@'127.0.0.1' IDENTIFIED BY ?`, [admin.password]],
          `GRANT SHUTDOWN, PROCESS ON *.* TO '${admin.user}'@'127.0.0.1'`,
        );
        adminMade = true;
      }
    },
    async startExpectingFailure() {
      spawnServer();
      if ((await readiness(30_000)) === 'ready') {
        await server.terminate();
        throw new Error(`mariadbd started although it was expected not to:\n${server.log()}`);
      }
      const { code, signal } = await exit;
      return { code, signal, log: server.log() };
    },
    exited: () => exit,
    async terminate() {
      if (server.pid !== undefined) process.kill(server.pid, 'SIGTERM');
      return exit;
    },
    reconfigure(next) {
      writeFileSync(cnfPath, cnf(paths, next), { mode: 0o600 });
    },
    root,
    async sql<T>(...statements: Array<string | [string, unknown[]]>): Promise<T> {
      const c = await root();
      try {
        let last: unknown;
        for (const s of statements) last = typeof s === 'string' ? await c.query(s) : await c.query(s[0], s[1]);
        return last as T;
      } finally {
        await c.end();
      }
    },
    async createAccount(user, privileges) {
      if (!/^[a-z_]{1,32}$/.test(user) || privileges.some((p) => !/^[A-Z ]+$/.test(p))) throw new Error('plain names only');
      const password = randomBytes(18).toString('base64url');
      await server.sql(
        [`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY ?`, [password]],
        `GRANT ${privileges.join(', ')} ON *.* TO '${user}'@'127.0.0.1'`,
      );
      return { user, password, url: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${paths.port}` };
    },
    async untilEncrypted() {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        // Every tablespace (but the temporary one, encrypted per page when written) has crypt data at a key version.
        const [row] = await server.sql<Array<{ pending: number }>>(
          `SELECT COUNT(*) AS pending
             FROM information_schema.INNODB_SYS_TABLESPACES s
             LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ON e.SPACE = s.SPACE
            WHERE s.NAME <> 'innodb_temporary' AND (e.SPACE IS NULL OR e.MIN_KEY_VERSION = 0 OR e.ROTATING_OR_FLUSHING <> 0)`,
        );
        if (row && Number(row.pending) === 0) return;
        await delay(100);
      }
      throw new Error('InnoDB did not finish encrypting its tablespaces within 30 s');
    },
    log: () => readFrom(paths.errorLogPath, logOffset),
    files: () => [...walk(datadir), ...walk(tmp), ...server.unlinkedTempFiles()],
    unlinkedTempFiles() {
      const pid = server.pid;
      if (pid === undefined || !existsSync(`/proc/${pid}/fd`)) return [];
      const open: string[] = [];
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (target.startsWith(tmp) && target.endsWith(' (deleted)')) open.push(`/proc/${pid}/fd/${fd}`);
        } catch {
          // closed while we looked
        }
      }
      return open;
    },
    async destroy() {
      if (server.pid !== undefined) {
        child!.kill('SIGKILL');
        await exit;
      }
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  return server;
}

/** Which of `files` contain `marker` (as bytes), and how many bytes were read. */
export function filesContaining(files: string[], marker: string): { hits: string[]; scannedBytes: number } {
  const needle = Buffer.from(marker, 'utf8');
  const hits: string[] = [];
  let scannedBytes = 0;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // removed while we looked (a temporary file)
    }
    scannedBytes += bytes.length;
    if (bytes.includes(needle)) hits.push(file);
  }
  return { hits, scannedBytes };
}
