import type { Network } from '@hyperledger/fabric-gateway';
import type { Pool, PoolClient } from 'pg';
import { sleep } from '@kiseki/network/dist/retry';
import { errorFields, type Logger } from '../logger';
import { decodeBlock } from './blocks';
import { IndexStore } from './store';

/**
 * The block listener of one org's index: reads blocks from the org's own peer starting after the
 * checkpoint and applies each in one database transaction. One gateway per schema indexes at a time
 * (a session advisory lock); another replica takes over when its holder stops or dies.
 */

export interface BlockIndexerOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly network: Network;
  readonly chaincode: string;
  readonly store: IndexStore;
  readonly logger: Logger;
  /** Wait between attempts after a failure or while another replica holds the lock. */
  readonly retryMs?: number;
}

export class BlockIndexer {
  #stopped = false;
  #loop: Promise<void> | undefined;
  #close: (() => void) | undefined;
  /** Aborted by `stop()`: ends a pause at once. */
  #stopping = new AbortController();
  #leader = false;

  constructor(private readonly options: BlockIndexerOptions) {}

  /** True while this process holds the schema's indexing lock. */
  get leader(): boolean {
    return this.#leader;
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#stopped = false;
    this.#stopping = new AbortController();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#close?.();
    this.#stopping.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Read through a method: `stop()` changes it while the loop awaits. */
  #isStopped(): boolean {
    return this.#stopped;
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, this.#stopping.signal).catch(() => undefined);
  }

  async #run(): Promise<void> {
    const { pool, schema, logger } = this.options;
    const retryMs = this.options.retryMs ?? 2_000;
    while (!this.#stopped) {
      let lock: PoolClient | undefined;
      try {
        lock = await pool.connect();
        const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [
          `kiseki-indexer:${schema}`,
        ]);
        if (got.rows[0]?.ok !== true) {
          lock.release();
          lock = undefined;
          await this.#pause(retryMs);
          continue;
        }
        this.#leader = true;
        await this.#follow();
      } catch (error) {
        if (!this.#isStopped()) {
          logger.warn('block indexer interrupted; resuming from its checkpoint', errorFields(error));
          await this.#pause(retryMs);
        }
      } finally {
        this.#leader = false;
        if (lock !== undefined) {
          await lock.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
          lock.release();
        }
      }
    }
  }

  async #follow(): Promise<void> {
    const { network, chaincode, store, logger } = this.options;
    const start = await store.height();
    const events = await network.getBlockEvents({ startBlock: start });
    this.#close = () => {
      events.close();
    };
    logger.info('block indexer following the peer', { fromBlock: start.toString() });
    try {
      for await (const block of events) {
        if (this.#stopped) break;
        await store.applyBlock(decodeBlock(block, chaincode));
      }
    } catch (error) {
      // Closing the stream on purpose (stop, restart) ends it with a cancellation: not a failure.
      if (this.#stopped) return;
      throw error;
    } finally {
      this.#close = undefined;
      events.close();
    }
  }
}
