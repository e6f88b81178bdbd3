import type { Pool } from 'pg';
import { canonicalJson } from '@kiseki/verifier';

/**
 * Reconciliation: compares the index with the ledger, key by key, for every record type the chaincode
 * can read back by ID. Reads go through the org's own peer (evaluate), so a difference means the index
 * is behind, ahead, or wrong; the report lists each.
 */

/** Index key type → the chaincode read that returns the same record by its ID (the key's last attribute). */
export const LEDGER_READS: Readonly<Record<string, string>> = {
  terms: 'terms:Get',
  provider: 'providers:Get',
  data: 'data:Get',
  model: 'models:Get',
  output: 'outputs:Get',
  rights: 'rights:Get',
  rightsTransfer: 'rights:GetTransfer',
  offer: 'market:GetOffer',
  grant: 'market:GetGrant',
  settlement: 'revenue:GetSettlement',
};

export interface Difference {
  keyType: string;
  id: string;
  kind: 'missing-on-ledger' | 'different';
  index?: unknown;
  ledger?: unknown;
}

export interface ReconcileReport {
  /** Index height when the comparison started. */
  height: string;
  checked: number;
  perType: Record<string, number>;
  differences: Difference[];
}

/** Evaluates a chaincode read; undefined when the ledger has no such record. */
export type LedgerRead = (fn: string, id: string) => Promise<unknown>;

/**
 * Compares `sample` random keys per type (or all when undefined) with the ledger.
 * Records written after the index height are skipped on the ledger side by comparing only keys the
 * index already had; a record changed on the ledger since then shows as `different` until re-run.
 */
export async function reconcile(
  pool: Pool,
  read: LedgerRead,
  options: { sample?: number; types?: readonly string[] } = {},
): Promise<ReconcileReport> {
  const heightRow = (
    await pool.query<{ block_number: string | null }>('SELECT max(block_number)::text AS block_number FROM index_checkpoint')
  ).rows[0];
  const height = heightRow?.block_number == null ? '0' : (BigInt(heightRow.block_number) + 1n).toString();
  const report: ReconcileReport = { height, checked: 0, perType: {}, differences: [] };
  for (const [keyType, fn] of Object.entries(LEDGER_READS)) {
    if (options.types !== undefined && !options.types.includes(keyType)) continue;
    const rows = (
      await pool.query<{ key_attrs: string[]; value: unknown }>(
        `SELECT key_attrs, value FROM index_state WHERE key_type = $1 ${options.sample === undefined ? 'ORDER BY key_attrs' : 'ORDER BY random() LIMIT $2'}`,
        options.sample === undefined ? [keyType] : [keyType, options.sample],
      )
    ).rows;
    report.perType[keyType] = rows.length;
    for (const row of rows) {
      const id = row.key_attrs[row.key_attrs.length - 1] ?? '';
      const onLedger = await read(fn, id);
      report.checked += 1;
      if (onLedger === undefined) report.differences.push({ keyType, id, kind: 'missing-on-ledger', index: row.value });
      else if (canonicalJson(onLedger) !== canonicalJson(row.value))
        report.differences.push({ keyType, id, kind: 'different', index: row.value, ledger: onLedger });
    }
  }
  return report;
}

/** Compares two schemas' index tables row for row (a rebuild against the live index); returns differing tables. */
export async function compareIndexes(pool: Pool, a: string, b: string, uptoBlock: bigint): Promise<string[]> {
  const differing: string[] = [];
  const tables: readonly [string, string][] = [
    ['index_blocks', 'block_number'],
    ['index_transactions', 'block_number'],
    ['index_versions', 'block_number'],
  ];
  for (const [table, column] of tables) {
    const sql = (x: string, y: string): string =>
      `SELECT count(*)::int AS n FROM (SELECT * FROM ${x}.${table} WHERE ${column} <= $1 EXCEPT ALL SELECT * FROM ${y}.${table} WHERE ${column} <= $1) d`;
    const ab = (await pool.query<{ n: number }>(sql(a, b), [uptoBlock.toString()])).rows[0]?.n ?? 0;
    const ba = (await pool.query<{ n: number }>(sql(b, a), [uptoBlock.toString()])).rows[0]?.n ?? 0;
    if (ab !== 0 || ba !== 0) differing.push(table);
  }
  return differing;
}
