import type { Principal } from '../auth';
import { AppError, toAppError } from '../errors';
import type { SubmitResult } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { packBinKey, type PackedItem, PackStore } from '../vault/packs';
import type { Vault } from '../vault/vault';
import type { Transactor } from './transactor';
import type { Ledger } from '../fabric/ledger';
import { ledgerReader, type LedgerReader } from '../ledger/client';

/**
 * Registers data items in ledger transactions of up to {@link MAX_CHUNK_ITEMS} (`data:RegisterBatch`)
 * with their content in the vault, answering item by item.
 *
 * One chunk goes: pack → submit → index → drop the manifest.
 * - The manifest (`batches/<chunkId>.json`), then the pack (`packs/<chunkId>.bin`, the bytes of every
 *   item received in the request) are written before anything is submitted, so the ledger never holds
 *   an item whose bytes are not in the vault.
 * - `data:RegisterBatch` is all or nothing. When the chaincode refuses a chunk, the gateway splits it
 *   in halves and submits each, down to single items, so good items are registered and each bad one is
 *   answered with the chaincode's own code: about 2·k·log2(n) endorsements for k bad items in n.
 * - After the commit the pack's index (`packs/<chunkId>.idx.json`) lists the registered items, and
 *   they are read from the pack by range ({@link PackStore}). When some items were refused the pack is
 *   rewritten without their bytes. Items registered from objects already in the vault (`source`) are
 *   copied to `data/<dataId>` instead.
 * - The manifest is dropped once every item is settled. When a transaction's fate is unknown (timeout
 *   after ordering) or indexing failed, the manifest stays and the reaper ({@link reapBatches}) settles
 *   the pack against the ledger item by item.
 */

/** Most items in one `data:RegisterBatch` (the chaincode's `MAX_DATA_BATCH`). */
export const MAX_CHUNK_ITEMS = 1000;
/** Most content bytes held in one chunk; a chunk closes at whichever limit comes first. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
export const PACK_PREFIX = 'batches/';
/**
 * Batch transactions one gateway has at the ledger at once, over all requests. More in flight does not
 * register faster once the peers are busy; it only lengthens every transaction's wait (until some
 * outlive their deadline) — a queue the gateway would build itself. While a chunk waits for its commit,
 * the next ones of each request are received, hashed and packed.
 */
export const BATCH_SUBMIT_SLOTS = 4;

/** A counting semaphore: at most `size` holders at a time, served in arrival order. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free += 1;
    }
  }
}
const PROMOTE_CONCURRENCY = 16;

export interface BatchItem {
  /** Position in the request. */
  index: number;
  dataId: string;
  providerId: string;
  termsId: string;
  mediaType: string;
  size: number;
  contentDigest: string;
  /** The content, received in the request (or read from `source`). */
  bytes?: Buffer;
  /** The key of an object already in the vault holding the content (digest checked); the pack refers to it. */
  source?: string;
}

export type ItemStatus = 'registered' | 'duplicate' | 'refused' | 'failed' | 'pending' | 'staged';

/**
 * The answer for one item. `registered`: on the ledger with its bytes in the vault (`existing` when an
 * earlier request registered the same content under this dataId); `duplicate`: the dataId or the
 * content is already registered (`CONFLICT`); `refused`: the item itself is not acceptable (code
 * says why); `failed`: not registered, safe to retry (ledger or vault unavailable); `pending`: the
 * transaction's fate is unknown, check `transactionId` later (the reaper settles the bytes).
 */
export interface ItemResult {
  index: number;
  dataId?: string;
  status: ItemStatus;
  contentDigest?: string;
  size?: number;
  transactionId?: string;
  blockNumber?: string;
  existing?: true;
  error?: { code: string; message: string };
}

/** What the pack manifest records of each item. */
interface PackItem {
  dataId: string;
  contentDigest: string;
  size: number;
  mediaType: string;
  /** Offset in the `.bin`, for items received in the request. */
  offset?: number;
  source?: string;
}

export interface PackManifest {
  chunkId: string;
  startedAt: string;
  items: PackItem[];
}

export interface BatchDeps {
  vault: Vault;
  packs: PackStore;
  reader: LedgerReader;
  transactor: Transactor;
  metrics: Metrics;
  logger: Logger;
  mspId: string;
  /** Shared by every request of the gateway; none: no limit beyond each request's own pipeline. */
  slots?: Slots;
}

const REFUSAL_CODES = new Set(['INVALID', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'STATE']);

/** True for a chaincode refusal (the request itself is wrong), as opposed to a failure of the system. */
export function isRefusal(error: AppError): boolean {
  return REFUSAL_CODES.has(error.code) && error.httpStatus < 500;
}

export const manifestKey = (chunkId: string): string => `${PACK_PREFIX}${chunkId}.json`;
export const binKey = (chunkId: string): string => `${PACK_PREFIX}${chunkId}.bin`;
export const dataKey = (dataId: string): string => `data/${dataId}`;

/** One submission and the items it covered. */
export interface Attempt<T> {
  items: T[];
  result?: SubmitResult;
  error?: AppError;
}

/**
 * Submits `items` at once; when the chaincode refuses, splits them in halves and submits each, down to
 * single items. Stops at the first failure that is not a refusal: the items not yet tried come back
 * with that error too (marked `tried: false`).
 */
export async function submitBisecting<T>(
  items: T[],
  submit: (items: T[]) => Promise<SubmitResult>,
): Promise<(Attempt<T> & { tried: boolean })[]> {
  const attempts: (Attempt<T> & { tried: boolean })[] = [];
  let halted: AppError | undefined;
  const visit = async (group: T[]): Promise<void> => {
    if (halted !== undefined) {
      attempts.push({ items: group, error: halted, tried: false });
      return;
    }
    try {
      attempts.push({ items: group, result: await submit(group), tried: true });
    } catch (error) {
      const appError = toAppError(error);
      if (!isRefusal(appError)) {
        halted = appError;
        attempts.push({ items: group, error: appError, tried: true });
        return;
      }
      if (group.length === 1) {
        attempts.push({ items: group, error: appError, tried: true });
        return;
      }
      const middle = Math.ceil(group.length / 2);
      await visit(group.slice(0, middle));
      await visit(group.slice(middle));
    }
  };
  await visit(items);
  return attempts;
}

/** Runs `work` over `items` with at most `limit` at a time; resolves with every outcome. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<unknown[]> {
  const failures: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

const errorOf = (error: AppError): { code: string; message: string } => ({ code: error.code, message: error.message });

/** Registers chunks of data items for one caller. */
export class BatchRegistrar {
  constructor(
    private readonly deps: BatchDeps,
    private readonly principal: Principal,
    private readonly requestId: string,
  ) {}

  /**
   * Packs, registers and promotes one chunk (≤ {@link MAX_CHUNK_ITEMS} items); never throws: every
   * item gets a result.
   */
  async registerChunk(items: BatchItem[], onPacked?: () => void): Promise<ItemResult[]> {
    if (items.length === 0) return [];
    if (items.length > MAX_CHUNK_ITEMS) throw new AppError('INTERNAL', 'chunk too large');
    const { vault, logger } = this.deps;
    const chunkId = PackStore.newId();
    const packed = await this.#writePack(chunkId, items);
    // Nothing below reads the items' bytes (a rewrite reads the pack back from the vault).
    const packedSet = new Set(items.filter((item) => item.source === undefined && item.bytes !== undefined));
    const offsets = packOffsets(items);
    for (const item of packedSet) delete item.bytes;
    onPacked?.();
    if (packed !== undefined) return items.map((item) => ({ ...base(item), status: 'failed', error: errorOf(packed) }));

    // The bytes are in the pack now and were let go above, so a chunk waiting for its commit holds
    // metadata only (a gateway then holds the item bytes of the chunks being received and written,
    // not of those in the ledger's pipeline). The pack's bytes are read back only for a rewrite after
    // refusals.
    let retained: Buffer | undefined;
    const packBytes = async (): Promise<Buffer | undefined> => retained ?? (await vault.get(packBinKey(chunkId)));
    let submissions = 0;
    const attempts = await submitBisecting(items, async (group) => {
      submissions += 1;
      // Bisecting can outlast the reaper's age of a manifest; from the first split on, the pack's bytes
      // are held again so that settling can put them back if the reaper judged the chunk meanwhile.
      if (submissions === 2 && packedSet.size > 0) retained = await packBytes().catch(() => undefined);
      const submit = () =>
        this.deps.transactor.client(this.principal, this.requestId).data.registerBatch({
          items: group.map((item) => ({
            dataId: item.dataId,
            providerId: item.providerId,
            termsId: item.termsId,
            contentDigest: item.contentDigest,
            mediaType: item.mediaType,
            size: item.size,
          })),
        });
      return this.deps.slots === undefined ? submit() : this.deps.slots.run(submit);
    });

    const results = new Map<BatchItem, ItemResult>();
    const toPromote: BatchItem[] = [];
    let unsettled = false;
    for (const attempt of attempts) {
      for (const item of attempt.items) {
        if (attempt.result !== undefined) {
          results.set(item, {
            ...base(item),
            status: 'registered',
            transactionId: attempt.result.transactionId,
            blockNumber: attempt.result.blockNumber,
          });
          toPromote.push(item);
          continue;
        }
        const error = attempt.error as AppError;
        if (!isRefusal(error)) {
          const pending = attempt.tried && error.outcomeUnknown;
          if (pending) unsettled = true;
          results.set(item, {
            ...base(item),
            status: pending ? 'pending' : 'failed',
            error: errorOf(error),
            ...(pending && error.transactionId !== undefined ? { transactionId: error.transactionId } : {}),
          });
          continue;
        }
        if (error.code === 'CONFLICT' && (await this.#registeredAlready(item))) {
          results.set(item, { ...base(item), status: 'registered', existing: true });
          toPromote.push(item);
          continue;
        }
        results.set(item, { ...base(item), status: error.code === 'CONFLICT' ? 'duplicate' : 'refused', error: errorOf(error) });
      }
    }

    const inPack = (item: BatchItem): boolean => packedSet.has(item);
    const packedItems = items.filter(inPack).map((item) => packedOf(item, offsets));
    const held = toPromote.filter(inPack).map((item) => packedOf(item, offsets));
    try {
      if (unsettled) await this.deps.packs.writeIndex(chunkId, held);
      else if (packedItems.length > 0) await this.deps.packs.settle(chunkId, packedItems, held, packBytes);
    } catch (error) {
      unsettled = true;
      logger.warn('batch: indexing the pack failed; the reaper settles it', { chunkId, error: String(error) });
    }
    const failures = await forEachLimited(
      toPromote.filter((item) => !inPack(item)),
      PROMOTE_CONCURRENCY,
      (item) => this.#promote(item),
    );
    if (failures.length > 0) {
      unsettled = true;
      logger.warn('batch: promotion failed; the pack stays for the reaper', {
        chunkId,
        failed: failures.length,
        error: String(failures[0]),
      });
    }
    if (!unsettled) await dropManifest(vault, chunkId, logger);
    return items.map((item) => results.get(item) as ItemResult);
  }

  /** Writes the manifest, then the bytes; on failure removes both and returns the error. */
  async #writePack(chunkId: string, items: BatchItem[]): Promise<AppError | undefined> {
    const { vault } = this.deps;
    let offset = 0;
    const parts: Buffer[] = [];
    const manifest: PackManifest = {
      chunkId,
      startedAt: new Date().toISOString(),
      items: items.map((item) => {
        const entry: PackItem = { dataId: item.dataId, contentDigest: item.contentDigest, size: item.size, mediaType: item.mediaType };
        if (item.source !== undefined) {
          entry.source = item.source;
        } else if (item.bytes !== undefined) {
          entry.offset = offset;
          offset += item.bytes.length;
          parts.push(item.bytes);
        }
        return entry;
      }),
    };
    try {
      await vault.put(manifestKey(chunkId), Buffer.from(JSON.stringify(manifest)), 'application/json');
      // The items' own buffers, not one joined copy: see Vault.put.
      if (parts.length > 0) await vault.put(packBinKey(chunkId), parts, 'application/octet-stream');
      this.deps.metrics.uploadBytes.inc({ kind: 'data' }, offset);
      return undefined;
    } catch (error) {
      await vault.remove(packBinKey(chunkId)).catch(() => undefined);
      await dropManifest(vault, chunkId, this.deps.logger);
      return toAppError(error);
    }
  }

  /** Whether this org registered exactly this content under this dataId before (a retried item). */
  async #registeredAlready(item: BatchItem): Promise<boolean> {
    try {
      const record = await this.deps.reader.data.get(item.dataId);
      return record.contentDigest === item.contentDigest && record.collectorMsp === this.deps.mspId;
    } catch {
      return false;
    }
  }

  async #promote(item: BatchItem): Promise<void> {
    const { vault } = this.deps;
    let bytes = item.bytes;
    if (bytes === undefined && item.source !== undefined) bytes = await vault.get(item.source);
    if (bytes === undefined) {
      // Registered by an earlier request whose content is already in place.
      if (await vault.exists(dataKey(item.dataId))) return;
      throw new AppError('INTERNAL', `content of ${item.dataId} is no longer at ${item.source ?? 'its source'}`);
    }
    await vault.put(dataKey(item.dataId), bytes, item.mediaType);
  }
}

const base = (item: BatchItem): Omit<ItemResult, 'status'> => ({
  index: item.index,
  dataId: item.dataId,
  contentDigest: item.contentDigest,
  size: item.size,
});

/** Offsets in the pack of the items received in the request, in request order. */
function packOffsets(items: readonly BatchItem[]): Map<BatchItem, number> {
  const offsets = new Map<BatchItem, number>();
  let offset = 0;
  for (const item of items) {
    if (item.source !== undefined || item.bytes === undefined) continue;
    offsets.set(item, offset);
    offset += item.bytes.length;
  }
  return offsets;
}

const packedOf = (item: BatchItem, offsets: ReadonlyMap<BatchItem, number>): PackedItem => ({
  dataId: item.dataId,
  contentDigest: item.contentDigest,
  size: item.size,
  mediaType: item.mediaType,
  offset: offsets.get(item) as number,
});

/**
 * Drops a chunk's manifest. Packs written before `packs/` existed sat at `batches/<chunkId>.bin`; the
 * reaper removes such bytes once their manifest is gone (a delete of a key that is not there would
 * still leave a delete marker in the versioned bucket, for every chunk).
 */
async function dropManifest(vault: Vault, chunkId: string, logger: Logger): Promise<void> {
  const key = manifestKey(chunkId);
  try {
    await vault.remove(key);
  } catch (error) {
    logger.warn('batch: could not remove a pack manifest; the reaper will', { key, error: String(error) });
  }
}

export interface BatchReaperDeps {
  vault: Vault;
  packs: PackStore;
  ledger: Ledger;
  metrics: Metrics;
  logger: Logger;
  maxAgeMs: number;
}

/**
 * Settles chunks left by a crash, a vault outage or an unknown transaction outcome: the pack keeps
 * and indexes exactly the items the ledger holds (same dataId, same digest) and the bytes of the
 * others go; items registered from a `source` object are copied to `data/<dataId>` if missing; then
 * the manifest is dropped. When the ledger cannot be asked, the chunk waits for the next round. A pack
 * with neither manifest nor index was never submitted and goes.
 */
export async function reapBatches(
  deps: BatchReaperDeps,
  now = Date.now(),
): Promise<{ settled: number; promoted: number; skipped: number }> {
  const counts = { settled: 0, promoted: 0, skipped: 0 };
  const reader = ledgerReader(deps.ledger);
  const packKeys = await deps.vault.list('packs/');
  const keys = await deps.vault.list(PACK_PREFIX);
  for (const key of keys.filter((k) => k.endsWith('.json'))) {
    const raw = await deps.vault.get(key);
    if (raw === undefined) continue;
    let manifest: PackManifest;
    try {
      manifest = JSON.parse(raw.toString('utf8')) as PackManifest;
    } catch {
      continue;
    }
    if (!(Date.parse(manifest.startedAt) < now - deps.maxAgeMs)) continue;
    try {
      const packed: PackedItem[] = [];
      const held: PackedItem[] = [];
      for (const item of manifest.items) {
        const isHeld = await holds(reader, item);
        if (item.offset !== undefined) {
          const entry: PackedItem = {
            dataId: item.dataId,
            contentDigest: item.contentDigest,
            size: item.size,
            mediaType: item.mediaType,
            offset: item.offset,
          };
          packed.push(entry);
          if (isHeld) held.push(entry);
          continue;
        }
        if (!isHeld || item.source === undefined || (await deps.vault.exists(dataKey(item.dataId)))) continue;
        const bytes = await deps.vault.get(item.source);
        if (bytes?.length !== item.size) {
          deps.logger.error('reaper: a registered item has no bytes at its source', { dataId: item.dataId, chunkId: manifest.chunkId });
          continue;
        }
        await deps.vault.put(dataKey(item.dataId), bytes, item.mediaType);
        counts.promoted += 1;
      }
      if (packed.length > 0) {
        await deps.packs.settle(
          manifest.chunkId,
          packed,
          held,
          async () => (await deps.vault.get(packBinKey(manifest.chunkId))) ?? deps.vault.get(binKey(manifest.chunkId)),
        );
        counts.promoted += held.length;
      }
    } catch (error) {
      counts.skipped += 1;
      deps.logger.warn('reaper: pack left for the next round', { chunkId: manifest.chunkId, error: String(error) });
      continue;
    }
    await dropManifest(deps.vault, manifest.chunkId, deps.logger);
    counts.settled += 1;
    deps.metrics.reaped.inc({ outcome: 'batch' });
  }
  // Bytes without their manifest were never submitted (the manifest is written first and dropped last,
  // after the index). Listed before the manifests, so a chunk in flight still has its manifest here.
  const manifests = new Set(keys.filter((k) => k.endsWith('.json')).map((k) => k.slice(PACK_PREFIX.length, -'.json'.length)));
  for (const key of keys.filter((k) => k.endsWith('.bin') && !manifests.has(k.slice(PACK_PREFIX.length, -'.bin'.length)))) {
    await deps.vault.remove(key).catch(() => undefined);
  }
  const indexed = new Set(packKeys.filter((k) => k.endsWith('.idx.json')).map((k) => k.slice('packs/'.length, -'.idx.json'.length)));
  for (const key of packKeys.filter((k) => k.endsWith('.bin'))) {
    const packId = key.slice('packs/'.length, -'.bin'.length);
    if (indexed.has(packId) || manifests.has(packId) || !(PackStore.createdAt(packId) < now - deps.maxAgeMs)) continue;
    // Written after the listing of `batches/`? Then its manifest or index exists now.
    if ((await deps.vault.exists(manifestKey(packId))) || (await deps.vault.exists(`packs/${packId}.idx.json`))) continue;
    await deps.vault.remove(key).catch(() => undefined);
  }
  return counts;
}

/** Whether the ledger holds `item` with the same content digest. */
async function holds(reader: LedgerReader, item: PackItem): Promise<boolean> {
  try {
    return (await reader.data.get(item.dataId)).contentDigest === item.contentDigest;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}
