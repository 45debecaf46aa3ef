import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Connection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineKeyServer, type EngineKeyServer } from '../support/engine-key-server.js';
import { createMariaDb, filesContaining, requireMariaDb, type MariaDb } from '../support/mariadb.js';

const SUITE = 'MariaDB encryption at rest with keys from Keyward';

/**
 * Writes `marker` everywhere MariaDB keeps data: InnoDB rows and a secondary index, undo (an
 * update), the redo log, an InnoDB temporary table large enough to spill into ibtmp1, a user
 * Aria table, a temporary Aria table in tmpdir (held open by the returned connection), and the
 * binary log. Returns the connection that holds the temporary tables.
 */
async function writeEverywhere(server: MariaDb, marker: string): Promise<Connection> {
  await server.sql(
    'CREATE DATABASE app',
    'CREATE TABLE app.notes (id INT PRIMARY KEY AUTO_INCREMENT, body VARCHAR(200), KEY (body)) ENGINE=InnoDB',
    [`INSERT INTO app.notes (body) SELECT CONCAT(?, '-', seq) FROM app.seq_1_to_3000`, [marker]],
    [`UPDATE app.notes SET body = CONCAT(?, '-updated-', id) WHERE id <= 200`, [marker]],
    // Aria is refused by enforce_storage_engine for everyone but a SUPER session that lifts it.
    'SET SESSION enforce_storage_engine = NULL',
    'CREATE TABLE app.aria_notes (id INT PRIMARY KEY, body VARCHAR(200)) ENGINE=Aria ROW_FORMAT=PAGE TRANSACTIONAL=0',
    [`INSERT INTO app.aria_notes SELECT seq, CONCAT(?, '-aria-', seq) FROM app.seq_1_to_2000`, [marker]],
  );
  const session = await server.root();
  await session.query('SET SESSION enforce_storage_engine = NULL');
  await session.query('CREATE TEMPORARY TABLE app.scratch (id INT PRIMARY KEY, body VARCHAR(200)) ENGINE=Aria ROW_FORMAT=PAGE');
  await session.query(`INSERT INTO app.scratch SELECT seq, CONCAT(?, '-tmp-', seq) FROM app.seq_1_to_5000`, [marker]);
  await session.query('CREATE TEMPORARY TABLE app.spill (id INT PRIMARY KEY, body VARCHAR(1000)) ENGINE=InnoDB');
  await session.query(`INSERT INTO app.spill SELECT seq, CONCAT(?, REPEAT('-', 900)) FROM app.seq_1_to_40000`, [marker]);
  await server.sql('FLUSH TABLES', 'FLUSH BINARY LOGS');
  return session;
}

const tmpdirFiles = (server: MariaDb) => server.files().filter((f) => f.startsWith(server.tmpdir));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !condition(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
  }
}

/**
 * Runs `scan` while two queries hold transient temporary files open: a filesort bigger than its
 * sort buffer (merge files, unlinked at once: encrypt_tmp_files) and a DISTINCT into an on-disk
 * internal temporary table (encrypt_tmp_disk_tables). Both read their rows slowly (SLEEP).
 */
async function whileSortingAndGrouping<T>(server: MariaDb, scan: () => T): Promise<T> {
  const sorter = await server.root();
  const grouper = await server.root();
  try {
    await sorter.query('SET SESSION sort_buffer_size = 32768');
    await grouper.query('SET SESSION tmp_memory_table_size = 0, SESSION max_heap_table_size = 16384');
    const before = tmpdirFiles(server).length;
    const sorting = sorter.query('SELECT body, SLEEP(0.001) FROM app.notes WHERE id <= 1500 ORDER BY REVERSE(body)');
    const grouping = grouper.query('SELECT COUNT(*) FROM (SELECT DISTINCT body FROM app.notes WHERE id <= 1500) d WHERE SLEEP(0.001) = 0');
    await until(() => server.unlinkedTempFiles().length > 0 && tmpdirFiles(server).length > before, 'a filesort file and an on-disk temporary table');
    const result = scan();
    await Promise.all([sorting, grouping]);
    return result;
  } finally {
    await sorter.end();
    await grouper.end();
  }
}

/** Scans while running, then after a slow shutdown (every page on disk); returns both hit lists. */
async function scanRunningThenStopped(server: MariaDb, session: Connection, marker: string) {
  const running = await whileSortingAndGrouping(server, () => ({
    ...filesContaining(server.files(), marker),
    transient: server.unlinkedTempFiles().length,
  }));
  await session.end();
  await server.sql('SET GLOBAL innodb_fast_shutdown = 0');
  const exit = await server.terminate();
  expect(exit.code).toBe(0);
  const stopped = filesContaining(server.files(), marker);
  return { running, stopped, files: server.files().map((f) => basename(f)) };
}

if (requireMariaDb(SUITE)) {
  describe(SUITE, () => {
    let keyServer: EngineKeyServer;
    const servers: MariaDb[] = [];
    beforeAll(async () => {
      keyServer = await startEngineKeyServer();
    });
    afterAll(async () => {
      for (const s of servers) await s.destroy();
      await keyServer?.close();
    });

    it('leaves no plaintext in any file of the data dir or tmpdir: InnoDB, redo, ibtmp1, Aria, binlog', async () => {
      const marker = `KW-PLAINTEXT-${randomBytes(6).toString('hex')}`;
      const { token } = keyServer.keys.add('env_at_rest');
      const server = await createMariaDb({ keyService: { vaultUrl: keyServer.vaultUrl('env_at_rest'), token } });
      servers.push(server);
      await server.start();
      await server.untilEncrypted();
      const session = await writeEverywhere(server, marker);
      const [counts] = await session.query<Array<{ scratch: number; spill: number }>>(
        'SELECT (SELECT COUNT(*) FROM app.scratch) AS scratch, (SELECT COUNT(*) FROM app.spill) AS spill',
      );
      expect(counts).toEqual({ scratch: 5000, spill: 40000 });
      // The temporary Aria table lives in tmpdir as #sql….MAD/MAI while its session lasts.
      expect(server.files().some((f) => f.startsWith(server.tmpdir) && f.endsWith('.MAD'))).toBe(true);

      const { running, stopped, files } = await scanRunningThenStopped(server, session, marker);
      expect(running.hits).toEqual([]);
      expect(stopped.hits).toEqual([]);
      expect(running.transient).toBeGreaterThan(0); // the unlinked filesort files were read too
      expect(files).toEqual(expect.arrayContaining(['ibdata1', 'ib_logfile0', 'notes.ibd', 'aria_notes.MAD', 'binlog.000001']));
      expect(running.scannedBytes).toBeGreaterThan(10_000_000);
    });

    it('keeps user tables out of MyISAM and Aria, whose transaction log (aria_log.*) MariaDB does not encrypt', async () => {
      const marker = `KW-PLAINTEXT-${randomBytes(6).toString('hex')}`;
      const { token } = keyServer.keys.add('env_aria');
      const server = await createMariaDb({ keyService: { vaultUrl: keyServer.vaultUrl('env_aria'), token } });
      servers.push(server);
      await server.start();
      await server.sql('CREATE DATABASE app');
      for (const engine of ['Aria', 'MyISAM']) {
        await expect(server.sql(`CREATE TABLE app.t_${engine} (id INT PRIMARY KEY, body VARCHAR(100)) ENGINE=${engine}`)).rejects.toMatchObject({
          errno: 1290, // NO_ENGINE_SUBSTITUTION under enforce_storage_engine = InnoDB
        });
      }
      // Why: with the guard lifted, a transactional Aria table's rows reach aria_log in plaintext.
      await server.sql(
        'SET SESSION enforce_storage_engine = NULL',
        'CREATE TABLE app.logged (id INT PRIMARY KEY, body VARCHAR(100)) ENGINE=Aria TRANSACTIONAL=1',
        [`INSERT INTO app.logged VALUES (1, ?)`, [marker]],
        [`INSERT INTO app.logged VALUES (2, ?)`, [marker]],
      );
      const { hits } = filesContaining(server.files(), marker);
      expect(hits.map((f) => basename(f))).toEqual(['aria_log.00000001']);
      await server.terminate();
    });

    it('the same scan finds the marker when encryption is off (so the test above can fail)', async () => {
      const marker = `KW-PLAINTEXT-${randomBytes(6).toString('hex')}`;
      const server = await createMariaDb();
      servers.push(server);
      await server.start();
      const session = await writeEverywhere(server, marker);
      const { running, stopped } = await scanRunningThenStopped(server, session, marker);
      const names = (hits: string[]) => hits.map((f) => basename(f));
      expect(names(running.hits)).toEqual(expect.arrayContaining(['ib_logfile0', 'ibtmp1', 'binlog.000001', 'aria_notes.MAD']));
      expect(running.hits.some((f) => f.startsWith(server.tmpdir))).toBe(true); // the temporary Aria table
      expect(running.hits.some((f) => f.startsWith('/proc/'))).toBe(true); // an unlinked filesort file
      expect(names(stopped.hits)).toEqual(expect.arrayContaining(['notes.ibd', 'ibdata1', 'ib_logfile0', 'binlog.000001', 'aria_notes.MAD']));
    });
  });
}
