// The throwaway PostgreSQL server that HQ tests run on (tests/support/postgres.ts): it starts, takes
// password-authenticated connections on 127.0.0.1, stores and returns rows, and leaves nothing behind.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipPostgres, startPostgres, type PostgresServer } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(skipPostgres)('the test PostgreSQL server', () => {
  let server: PostgresServer;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    server = await startPostgres();
    startMs = performance.now() - t0;
    console.log(`startPostgres: ${startMs.toFixed(0)} ms, ${server.url.replace(/:[^:@/]+@/, ':***@')}`);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('starts in a few seconds on 127.0.0.1 with a random password in its URL', () => {
    expect(startMs).toBeLessThan(10_000);
    const url = new URL(server.url);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBe(server.port);
    expect(decodeURIComponent(url.password)).toBe(server.password);
    expect(server.password.length).toBeGreaterThanOrEqual(20);
    expect(url.pathname).toBe('/loyalty_test');
    expect(existsSync(server.dataDir)).toBe(true);
  });

  it('answers SELECT 1 and keeps rows through psql', async () => {
    expect((await server.psql('SELECT 1')).trim()).toBe('1');
    await server.psql('CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)');
    await server.psql("INSERT INTO notes VALUES (1, 'first'), (2, 'второй')");
    expect((await server.psql('SELECT id, body FROM notes ORDER BY id')).trim().split('\n')).toEqual([
      '1|first',
      '2|второй',
    ]);
  });

  it('refuses a wrong password', async () => {
    const url = new URL(server.url);
    url.password = 'not-the-password';
    // psql takes a connection URI where the database name goes; its password beats PGPASSWORD.
    await expect(server.psql('SELECT 1', url.toString())).rejects.toThrow(/password authentication failed/);
  });

  it('makes further empty databases on request', async () => {
    const url = await server.createDatabase('loyalty_other');
    expect(new URL(url).pathname).toBe('/loyalty_other');
    expect(
      (await server.psql('SELECT count(*) FROM pg_tables WHERE tablename = $$notes$$', 'loyalty_other')).trim(),
    ).toBe('0');
  });

  it('takes node-postgres (pg) connections from its URL', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.query('CREATE TABLE pg_notes (id integer PRIMARY KEY, body text)');
      await client.query('INSERT INTO pg_notes VALUES ($1, $2)', [7, 'seven']);
      expect((await client.query('SELECT id, body FROM pg_notes')).rows).toEqual([{ id: 7, body: 'seven' }]);
    } finally {
      await client.end();
    }
  });

  it('stops: the port closes and the data folder is gone', async () => {
    const other = await startPostgres({ database: 'loyalty_stop' });
    expect(await portIsOpen(other.port)).toBe(true);
    await other.psql('CREATE TABLE t (x int); INSERT INTO t VALUES (1)');
    const t0 = performance.now();
    await other.stop();
    console.log(`stop: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(await portIsOpen(other.port)).toBe(false);
    expect(existsSync(other.dataDir)).toBe(false);
    expect(existsSync(dirname(other.dataDir))).toBe(false);
    await other.stop(); // idempotent
  });
});

describe('when PostgreSQL is not installed', () => {
  it('startPostgres fails (never skips) and says how to install it', async () => {
    const empty = makeTempDir();
    const saved = process.env.LOYALTY_PG_BIN;
    process.env.LOYALTY_PG_BIN = empty.path;
    try {
      await expect(startPostgres()).rejects.toThrow(/apt-get install postgresql/);
    } finally {
      if (saved === undefined) delete process.env.LOYALTY_PG_BIN;
      else process.env.LOYALTY_PG_BIN = saved;
      empty.remove();
    }
  });
});
