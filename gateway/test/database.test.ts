import { Pool } from 'pg';
import { createPool, migrate, readMigrations } from '../src/db/database';
import { testNetworkStatus } from '../../network/test/support/test-network';

/** The migrations runner against the test network's real PostgreSQL. */
describe('database migrations (real PostgreSQL)', () => {
  let url: string;
  const schema = `it_migrate_${Date.now().toString(36)}`;
  const pools: Pool[] = [];

  beforeAll(async () => {
    const status = await testNetworkStatus();
    if (status.database === null) throw new Error('the test network has no database');
    expect(status.database.healthy).toBe(true);
    url = status.database.url;
  });

  afterAll(async () => {
    const admin = new Pool({ connectionString: url, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await Promise.all(pools.map((p) => p.end()));
  });

  it('when two gateways migrate one schema at the same moment, then each migration is applied exactly once', async () => {
    const a = createPool({ url, schema, poolSize: 2 });
    const b = createPool({ url, schema, poolSize: 2 });
    pools.push(a, b);
    const [first, second] = await Promise.all([migrate(a, schema), migrate(b, schema)]);
    const all = readMigrations().map((m) => m.version);
    expect([...first, ...second].sort((x, y) => x - y)).toEqual(all);
    const rows = await a.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.rows.map((r) => r.version)).toEqual(all);
    expect(await migrate(a, schema)).toEqual([]);
  });

  it('when a migration fails, then none of its batch is recorded and the schema is unchanged', async () => {
    const pool = createPool({ url, schema: `${schema}_bad`, poolSize: 1 });
    pools.push(pool);
    await expect(
      migrate(pool, `${schema}_bad`, [
        { version: 1, name: 'ok', sql: 'CREATE TABLE t1 (x int)' },
        { version: 2, name: 'bad', sql: 'CREATE TABLE nope (' },
      ]),
    ).rejects.toThrow();
    const exists = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [`${schema}_bad`]);
    expect(exists.rowCount).toBe(0);
  });
});
