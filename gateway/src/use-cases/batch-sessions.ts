import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import type { DocumentStore } from '../store/store';
import type { Vault } from '../vault/vault';
import { dataKey, forEachLimited, MAX_CHUNK_ITEMS, type BatchItem, type ItemResult } from './batch-register';

/**
 * Upload sessions, for folders too large for one request: items are added over any number of requests
 * (each item's bytes go to the vault under `sessions/<sessionId>/` as they arrive, hashed, and its
 * metadata to the gateway's store), then `commit` registers them all in chunks, as a batch does, with
 * the staged objects as the content. Every step can be repeated after a crash or a lost answer: adding
 * an item again replaces it; committing again registers only what is not settled yet, and the ledger's
 * uniqueness of dataIds and digests, checked against this org's own earlier registrations, makes an
 * item registered by an interrupted commit come back `registered` rather than twice.
 */

export interface SessionDoc {
  sessionId: string;
  clientId: string;
  createdAt: string;
  state: 'open' | 'committed';
  committedAt?: string;
}

/** What the store keeps of one staged item. */
export interface SessionItem {
  dataId: string;
  providerId: string;
  termsId: string;
  mediaType: string;
  size: number;
  contentDigest: string;
  key: string;
  /** Set once the item is settled by a commit (registered, duplicate or refused). */
  result?: ItemResult;
}

const SESSIONS = 'batch-sessions';
/** Sessions untouched for this long are dropped by the reaper (their staged content with them). */
export const SESSION_TTL_MS = 7 * 24 * 3_600_000;
const itemsNamespace = (sessionId: string): string => `batch-session-${sessionId}`;
export const sessionKey = (sessionId: string, dataId: string): string => `sessions/${sessionId}/${dataId}`;
const SETTLED = new Set(['registered', 'duplicate', 'refused']);

export class SessionService {
  constructor(
    private readonly store: DocumentStore,
    private readonly vault: Vault,
  ) {}

  async create(clientId: string): Promise<SessionDoc> {
    const session: SessionDoc = { sessionId: randomUUID(), clientId, createdAt: new Date().toISOString(), state: 'open' };
    await this.store.put(SESSIONS, session.sessionId, session);
    return session;
  }

  /**
   * The session, when it belongs to `clientId`.
   * @throws AppError `NOT_FOUND` otherwise (another client's session is not revealed).
   */
  async get(clientId: string, sessionId: string): Promise<SessionDoc> {
    const session = await this.store.get<SessionDoc>(SESSIONS, sessionId);
    if (session?.clientId !== clientId) throw new AppError('NOT_FOUND', `no upload session ${sessionId}`);
    return session;
  }

  /** @throws AppError `STATE` when the session was committed. */
  async requireOpen(clientId: string, sessionId: string): Promise<SessionDoc> {
    const session = await this.get(clientId, sessionId);
    if (session.state !== 'open') throw new AppError('STATE', `upload session ${sessionId} is committed; start a new one`);
    return session;
  }

  /** Stages one item's bytes and records it (replacing an earlier version of the same dataId). */
  async stage(sessionId: string, item: BatchItem): Promise<ItemResult> {
    const key = sessionKey(sessionId, item.dataId);
    await this.vault.put(key, item.bytes ?? Buffer.alloc(0), item.mediaType);
    const doc: SessionItem = {
      dataId: item.dataId,
      providerId: item.providerId,
      termsId: item.termsId,
      mediaType: item.mediaType,
      size: item.size,
      contentDigest: item.contentDigest,
      key,
    };
    await this.store.put(itemsNamespace(sessionId), item.dataId, doc);
    return { index: item.index, dataId: item.dataId, status: 'staged', contentDigest: item.contentDigest, size: item.size };
  }

  async items(sessionId: string): Promise<SessionItem[]> {
    return (await this.store.list<SessionItem>(itemsNamespace(sessionId))).map((entry) => entry.value);
  }

  /** Counts of the session's items by state (`staged` = not settled yet). */
  async counts(sessionId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = { staged: 0, registered: 0, duplicate: 0, refused: 0 };
    for (const item of await this.items(sessionId)) {
      const state = item.result?.status ?? 'staged';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Registers every item not settled yet, chunk by chunk, reporting each result; settled items are
   * remembered and their staged objects removed. The session is committed once every item is settled.
   */
  async commit(
    session: SessionDoc,
    registerChunk: (items: BatchItem[]) => Promise<ItemResult[]>,
    report: (result: ItemResult) => void,
  ): Promise<SessionDoc> {
    const all = await this.items(session.sessionId);
    const open = all.filter((item) => item.result === undefined || !SETTLED.has(item.result.status));
    let unsettled = 0;
    for (let start = 0; start < open.length; start += MAX_CHUNK_ITEMS) {
      const chunk = open.slice(start, start + MAX_CHUNK_ITEMS);
      const results = await registerChunk(
        chunk.map((item, offset) => ({
          index: start + offset,
          dataId: item.dataId,
          providerId: item.providerId,
          termsId: item.termsId,
          mediaType: item.mediaType,
          size: item.size,
          contentDigest: item.contentDigest,
          source: item.key,
        })),
      );
      await forEachLimited(results, 16, async (result) => {
        report(result);
        const item = chunk[result.index - start] as SessionItem;
        if (!SETTLED.has(result.status)) {
          unsettled += 1;
          return;
        }
        await this.store.put(itemsNamespace(session.sessionId), item.dataId, { ...item, result } satisfies SessionItem);
        // The staged object goes once the content is in place; a pack the reaper settles may still need it.
        if (result.status !== 'registered' || (await this.vault.exists(dataKey(item.dataId)))) await this.vault.remove(item.key);
      });
    }
    if (unsettled > 0) return session;
    const committed: SessionDoc = { ...session, state: 'committed', committedAt: new Date().toISOString() };
    await this.store.put(SESSIONS, session.sessionId, committed);
    return committed;
  }

  /** Drops sessions created more than `ttlMs` ago; returns how many. */
  async expire(ttlMs = SESSION_TTL_MS, now = Date.now()): Promise<number> {
    let dropped = 0;
    for (const { value } of await this.store.list<SessionDoc>(SESSIONS)) {
      if (now - Date.parse(value.createdAt) <= ttlMs) continue;
      await this.remove(value);
      dropped += 1;
    }
    return dropped;
  }

  /** Drops a session: its staged objects and records (items already registered stay registered). */
  async remove(session: SessionDoc): Promise<void> {
    await forEachLimited(await this.items(session.sessionId), 16, async (item) => {
      await this.vault.remove(item.key);
      await this.store.delete(itemsNamespace(session.sessionId), item.dataId);
    });
    await this.store.delete(SESSIONS, session.sessionId);
  }
}
