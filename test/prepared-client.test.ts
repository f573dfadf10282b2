import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { prepareByText, statementName } from '../src/db/prepared-client.js';
import { usingPostgres } from './helpers/server.js';

// Statements prepared by their text on a pooled PostgreSQL connection: when the driver believes a
// statement prepared there and the server does not have it, the query still answers, and the
// name is prepared again on its next use.
describe.skipIf(!usingPostgres() || !process.env.COFFER_TEST_DATABASE_URL)('statements prepared by text', () => {
  it('survives a connection whose driver and server disagree on what is prepared', async () => {
    const pool = new pg.Pool({ connectionString: process.env.COFFER_TEST_DATABASE_URL, max: 1 });
    pool.on('connect', prepareByText);
    const client = await pool.connect();
    try {
      const text = `select $1::int + 1 as n -- desync ${Date.now()}`;
      expect(statementName(text)).toBeUndefined();
      const name = statementName(text)!;
      expect(name).toMatch(/^coffer_\d+$/);
      const connection = (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection;
      // The driver believes it prepared; the server never saw it.
      connection.parsedStatements[name] = text;
      const first = await client.query<{ n: number }>(text, [41]);
      expect(first.rows[0]!.n).toBe(42);
      expect(connection.parsedStatements[name]).toBeUndefined();
      const second = await client.query<{ n: number }>(text, [1]);
      expect(second.rows[0]!.n).toBe(2);
      expect(connection.parsedStatements[name]).toBe(text);
      const prepared = await client.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where name = $1', [name]);
      expect(prepared.rows[0]!.n).toBe(1);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
