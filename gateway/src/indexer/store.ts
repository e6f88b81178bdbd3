import type { Pool, PoolClient } from 'pg';
import type { IndexedBlock, IndexedWrite } from './blocks';
import { joinKey } from './blocks';

/**
 * The index tables of one org's schema (gateway/migrations/001_index.sql) and the one way rows get into
 * them: a whole block in one database transaction, together with the checkpoint. A block that is
 * already in is skipped; a block that would leave a gap is refused, so neither a replay nor a restart
 * can duplicate or lose a row.
 */

export class IndexGapError extends Error {
  constructor(
    readonly expected: bigint,
    readonly got: bigint,
  ) {
    super(`index expects block ${expected}, got ${got}`);
    this.name = 'IndexGapError';
  }
}

/** The tables rebuilt from block 0; their rows are a function of the chain alone. */
export const INDEX_TABLES = ['index_blocks', 'index_transactions', 'index_versions', 'index_state'] as const;

export interface IndexStoreOptions {
  /** Test hook: runs inside a block's transaction after its rows and before the checkpoint and commit. */
  beforeCommit?: (block: IndexedBlock) => Promise<void> | void;
}

interface StateRow {
  key_type: string;
  key_attrs: readonly string[];
  block_number: string;
  tx_index: number;
  tx_id: string;
  is_delete: boolean;
  value: unknown;
  value_hex: string | null;
}

const RECORDSET_COLUMNS =
  'key_type text, key_attrs jsonb, block_number bigint, tx_index integer, tx_id text, is_delete boolean, value jsonb, value_hex text';
const ATTRS = 'ARRAY(SELECT jsonb_array_elements_text(r.key_attrs))';

function stateRow(block: bigint, txIndex: number, txId: string, w: IndexedWrite): StateRow {
  return {
    key_type: w.keyType,
    key_attrs: w.keyAttrs,
    block_number: block.toString(),
    tx_index: txIndex,
    tx_id: txId,
    is_delete: w.isDelete,
    value: w.value ?? null,
    value_hex: w.valueHex ?? null,
  };
}

export class IndexStore {
  constructor(
    private readonly pool: Pool,
    readonly channel: string,
    private readonly options: IndexStoreOptions = {},
  ) {}

  /** The last block fully in the index, or undefined when nothing is. */
  async checkpoint(client: Pool | PoolClient = this.pool): Promise<bigint | undefined> {
    const result = await client.query<{ block_number: string }>('SELECT block_number::text FROM index_checkpoint');
    const row = result.rows[0];
    return row === undefined ? undefined : BigInt(row.block_number);
  }

  /** The number of blocks the index reflects (the ledger height it answers for). */
  async height(client: Pool | PoolClient = this.pool): Promise<bigint> {
    const checkpoint = await this.checkpoint(client);
    return checkpoint === undefined ? 0n : checkpoint + 1n;
  }

  /**
   * Writes a block's rows and moves the checkpoint to it, atomically.
   * @returns false when the block is already in the index (a replay).
   * @throws IndexGapError when the block is not the next one.
   */
  async applyBlock(block: IndexedBlock): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const checkpoint = (await client.query<{ block_number: string }>('SELECT block_number::text FROM index_checkpoint FOR UPDATE'))
        .rows[0];
      const expected = checkpoint === undefined ? 0n : BigInt(checkpoint.block_number) + 1n;
      if (block.number < expected) {
        await client.query('ROLLBACK');
        return false;
      }
      if (block.number > expected) throw new IndexGapError(expected, block.number);
      await this.#insertRows(client, block);
      await this.options.beforeCommit?.(block);
      await client.query(
        `INSERT INTO index_checkpoint (singleton, channel, block_number) VALUES (true, $1, $2)
         ON CONFLICT (singleton) DO UPDATE SET block_number = EXCLUDED.block_number, channel = EXCLUDED.channel`,
        [this.channel, block.number.toString()],
      );
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #insertRows(client: PoolClient, block: IndexedBlock): Promise<void> {
    const number = block.number.toString();
    const valid = block.transactions.filter((t) => t.validationCode === 0).length;
    await client.query('INSERT INTO index_blocks (block_number, tx_count, valid_tx_count, block_time) VALUES ($1, $2, $3, $4)', [
      number,
      block.transactions.length,
      valid,
      block.blockTime ?? null,
    ]);
    if (block.transactions.length === 0) return;
    const txRows = block.transactions.map((t) => ({
      block_number: number,
      tx_index: t.txIndex,
      tx_id: t.txId,
      validation_code: t.validationCode,
      creator_msp: t.creatorMsp ?? null,
      chaincode: t.chaincode ?? null,
      function: t.fn ?? null,
      tx_time: t.txTime ?? null,
      event_name: t.eventName ?? null,
      event_payload: t.eventPayload ?? null,
    }));
    await client.query(
      `INSERT INTO index_transactions (block_number, tx_index, tx_id, validation_code, creator_msp, chaincode, function, tx_time, event_name, event_payload)
       SELECT block_number, tx_index, tx_id, validation_code, creator_msp, chaincode, function, tx_time, event_name, event_payload
       FROM jsonb_to_recordset($1::jsonb) AS r(block_number bigint, tx_index integer, tx_id text, validation_code integer, creator_msp text,
         chaincode text, function text, tx_time timestamptz, event_name text, event_payload jsonb)`,
      [JSON.stringify(txRows)],
    );
    const versions: StateRow[] = [];
    const latest = new Map<string, StateRow>();
    for (const tx of block.transactions) {
      for (const write of tx.writes) {
        const row = stateRow(block.number, tx.txIndex, tx.txId, write);
        versions.push(row);
        latest.set(joinKey(write.keyType, write.keyAttrs), row);
      }
    }
    if (versions.length === 0) return;
    await client.query(
      `INSERT INTO index_versions (key_type, key_attrs, block_number, tx_index, tx_id, is_delete, value, value_bytes)
       SELECT r.key_type, ${ATTRS}, r.block_number, r.tx_index, r.tx_id, r.is_delete, r.value, decode(r.value_hex, 'hex')
       FROM jsonb_to_recordset($1::jsonb) AS r(${RECORDSET_COLUMNS})`,
      [JSON.stringify(versions)],
    );
    const finals = [...latest.values()];
    const deletes = finals.filter((r) => r.is_delete);
    const upserts = finals.filter((r) => !r.is_delete);
    if (deletes.length > 0) {
      await client.query(
        `DELETE FROM index_state s USING jsonb_to_recordset($1::jsonb) AS r(${RECORDSET_COLUMNS})
         WHERE s.key_type = r.key_type AND s.key_attrs = ${ATTRS}`,
        [JSON.stringify(deletes)],
      );
    }
    if (upserts.length > 0) {
      await client.query(
        `INSERT INTO index_state (key_type, key_attrs, value, value_bytes, block_number, tx_index, tx_id)
         SELECT r.key_type, ${ATTRS}, r.value, decode(r.value_hex, 'hex'), r.block_number, r.tx_index, r.tx_id
         FROM jsonb_to_recordset($1::jsonb) AS r(${RECORDSET_COLUMNS})
         ON CONFLICT (key_type, key_attrs) DO UPDATE SET value = EXCLUDED.value, value_bytes = EXCLUDED.value_bytes,
           block_number = EXCLUDED.block_number, tx_index = EXCLUDED.tx_index, tx_id = EXCLUDED.tx_id`,
        [JSON.stringify(upserts)],
      );
    }
  }

  /** Empties the index and its checkpoint in one transaction: the listener then starts again from block 0. */
  async reset(): Promise<void> {
    await this.pool.query(`TRUNCATE ${[...INDEX_TABLES, 'index_checkpoint'].join(', ')}`);
  }
}
