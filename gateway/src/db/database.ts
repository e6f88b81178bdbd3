import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import type { Logger } from '../logger';

/**
 * The gateway's off-chain database: a `pg` pool whose connections work inside the org's own schema
 * (`search_path`), and the migrations runner that brings the schema up to date at start.
 */

export interface DatabaseSettings {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** The org's schema; every table of this gateway lives in it. */
  readonly schema: string;
  readonly poolSize: number;
}

/** Versioned SQL files, applied in order of their number: `NNN_name.sql`. */
export const MIGRATIONS_DIR = resolve(__dirname, '..', '..', 'migrations');

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** The default schema of an org: `org_` + its MSP ID in lower case, e.g. `org_studio1msp`. */
export function schemaForMsp(mspId: string): string {
  return `org_${mspId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/** @throws Error for a schema name that is not a plain lower-case identifier (it is spliced into SQL). */
export function checkSchema(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema)) throw new Error(`invalid database schema name ${JSON.stringify(schema)}`);
  return schema;
}

/** A pool whose every connection resolves unqualified names in the org's schema. */
export function createPool(settings: DatabaseSettings): Pool {
  const schema = checkSchema(settings.schema);
  return new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: `kiseki-gateway:${schema}`,
  });
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Reads the migration files of a folder, sorted by version. @throws Error on a malformed or duplicate version. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  const migrations = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d+)_([a-z0-9_-]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
      return { version: Number(match[1]), name: match[2] as string, sql: readFileSync(join(dir, file), 'utf8') };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i += 1) {
    if (migrations[i]?.version === migrations[i - 1]?.version) throw new Error(`two migrations numbered ${String(migrations[i]?.version)}`);
  }
  return migrations;
}

/** A 64-bit advisory lock key derived from a name, the same in every process. */
export async function advisoryKey(client: PoolClient | Pool, name: string): Promise<string> {
  const result = await client.query<{ key: string }>('SELECT hashtextextended($1, 0)::text AS key', [name]);
  return (result.rows[0] as { key: string }).key;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction under an
 * advisory lock, so two gateways (replicas of one org) starting together apply each exactly once and
 * neither sees a half-migrated schema. Returns the versions it applied.
 */
export async function migrate(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[] = readMigrations(),
  logger?: Logger,
): Promise<number[]> {
  checkSchema(schema);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`kiseki-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
      logger?.info('database migration applied', { schema, version: migration.version, name: migration.name });
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface Database {
  readonly pool: Pool;
  readonly schema: string;
  close(): Promise<void>;
}

/**
 * Opens the org's database and migrates its schema.
 * @throws Error naming the (password-free) server when it cannot be reached or a migration fails.
 */
export async function openDatabase(settings: DatabaseSettings, logger?: Logger): Promise<Database> {
  const pool = createPool(settings);
  pool.on('error', (error) => {
    logger?.warn('idle database connection failed', { error: error.message });
  });
  try {
    await migrate(pool, settings.schema, readMigrations(), logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const where = ((): string => {
      try {
        const u = new URL(settings.url);
        return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
      } catch {
        return '(unparseable URL)';
      }
    })();
    throw new Error(`database ${where} schema ${settings.schema}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { pool, schema: settings.schema, close: () => pool.end() };
}
