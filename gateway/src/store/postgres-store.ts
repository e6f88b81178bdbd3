import type { DocumentStore } from './store';
import type { LeaseStore } from './leases';

/**
 * The gateway's shared state in the org's PostgreSQL: idempotency records, the transaction log, batch
 * sessions, webhook registrations and their checkpoints (tables `gateway_documents`), and the webhook
 * delivery leases (`gateway_leases`), so that several gateway processes of one org serve the same API
 * at once. The tables live in the org's schema (the pool's `search_path`), created by the migration
 * `101_gateway_store.sql`.
 *
 * Documents are kept as JSON text, not `jsonb`: a replayed idempotent answer must be the very bytes of
 * the first one, key order included.
 */

/** What this store needs of a connection pool (`pg.Pool` satisfies it). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export class PostgresStore implements DocumentStore, LeaseStore {
  constructor(private readonly db: Queryable) {}

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    const { rows } = await this.db.query('SELECT value FROM gateway_documents WHERE namespace = $1 AND key = $2', [namespace, key]);
    const row = rows[0];
    return row === undefined ? undefined : (JSON.parse(row.value as string) as T);
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO gateway_documents (namespace, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [namespace, key, JSON.stringify(value)],
    );
  }

  async create(namespace: string, key: string, value: unknown): Promise<boolean> {
    const result = await this.db.query('INSERT INTO gateway_documents (namespace, key, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      namespace,
      key,
      JSON.stringify(value),
    ]);
    return result.rowCount === 1;
  }

  async delete(namespace: string, key: string): Promise<void> {
    await this.db.query('DELETE FROM gateway_documents WHERE namespace = $1 AND key = $2', [namespace, key]);
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as in DocumentStore
  async list<T>(namespace: string): Promise<{ key: string; value: T }[]> {
    // COLLATE "C": byte order, the order the file and memory stores list in.
    const { rows } = await this.db.query('SELECT key, value FROM gateway_documents WHERE namespace = $1 ORDER BY key COLLATE "C"', [
      namespace,
    ]);
    return rows.map((row) => ({ key: row.key as string, value: JSON.parse(row.value as string) as T }));
  }

  async deleteOlderThan(namespace: string, ageMs: number): Promise<number> {
    const result = await this.db.query(
      "DELETE FROM gateway_documents WHERE namespace = $1 AND updated_at < now() - $2 * interval '1 millisecond'",
      [namespace, ageMs],
    );
    return result.rowCount ?? 0;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO gateway_leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE gateway_leases.holder = EXCLUDED.holder OR gateway_leases.expires_at <= clock_timestamp()`,
      [name, holder, ttlMs],
    );
    return result.rowCount === 1;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.query('DELETE FROM gateway_leases WHERE name = $1 AND holder = $2', [name, holder]);
  }
}
