/**
 * The console's only way to the ledger: the gateway's public REST API on the same origin. The API key
 * lives in sessionStorage (gone when the tab closes) and is sent as a bearer token; errors come back as
 * the gateway's `{ error: { code, message, transactionId? } }`.
 */

const KEY_STORAGE = 'kiseki.apiKey';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly transactionId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear: (): void => {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

export interface RequestOptions {
  body?: unknown;
  raw?: Blob;
  contentType?: string;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Send no key even when signed in (public routes). */
  anonymous?: boolean;
}

function headers(options: RequestOptions): Record<string, string> {
  const out: Record<string, string> = { accept: 'application/json' };
  const key = options.anonymous === true ? null : session.key();
  if (key !== null) out.authorization = `Bearer ${key}`;
  if (options.body !== undefined) out['content-type'] = 'application/json';
  if (options.raw !== undefined) out['content-type'] = options.contentType ?? (options.raw.type || 'application/octet-stream');
  if (options.idempotencyKey !== undefined) out['idempotency-key'] = options.idempotencyKey;
  return out;
}

/**
 * Calls the API and parses the JSON answer.
 * @throws ApiError with the gateway's code and message (or `NETWORK` when the gateway is unreachable).
 */
export async function api<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(options),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.raw !== undefined ? { body: options.raw } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : String(error));
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const err = (parsed as { error?: { code?: string; message?: string; transactionId?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? res.statusText, err?.transactionId);
  }
  return parsed as T;
}

/** Reads every page of a cursor-paged list (bounded by `max` items). */
export async function all<T>(path: string, max = 5000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api<{ items: T[]; nextCursor?: string }>(
      'GET',
      `${path}${sep}limit=200${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < max);
  return items;
}

export interface WhoAmI {
  clientId: string;
  role: string;
  mspId: string;
}

export const whoami = (): Promise<WhoAmI> => api<WhoAmI>('GET', '/v1/whoami');

/** A data record as the ledger keeps it. */
export interface DataRecord {
  dataId: string;
  providerId: string;
  collectorMsp: string;
  termsId: string;
  contentDigest: string;
  mediaType: string;
  size: number;
  status: string;
}

/** Collecting orgs searched by digest, besides the gateway's own org. */
export const KNOWN_COLLECTORS = ['Studio1MSP', 'Studio2MSP'];

let digestIndex: Map<string, DataRecord> | undefined;

/**
 * Finds the data item registered with these bytes. The ledger's digest index is not yet exposed as a
 * route, so this reads the lists of data per collecting org once per page view and indexes them by
 * digest; when a lookup route is served, `findData` becomes a single call to it.
 */
async function scanCollectors(digest: string, ownMsp: string | undefined): Promise<DataRecord | undefined> {
  if (digestIndex === undefined) {
    const index = new Map<string, DataRecord>();
    const collectors = [...new Set([...(ownMsp === undefined ? [] : [ownMsp]), ...KNOWN_COLLECTORS])];
    for (const msp of collectors) {
      for (const record of await all<DataRecord>(`/v1/data?collectorMsp=${encodeURIComponent(msp)}`))
        index.set(record.contentDigest, record);
    }
    digestIndex = index;
  }
  return digestIndex.get(digest);
}

/** Forgets cached indexes (after sign-in changes or new uploads). */
export function resetCaches(): void {
  digestIndex = undefined;
}

/**
 * The data item registered with these bytes, if any: through the gateway's digest lookup when its
 * OpenAPI document offers one, else by scanning the collectors' lists.
 */
export async function findData(digest: string, ownMsp: string | undefined): Promise<DataRecord | undefined> {
  if (operations?.has('lookupByDigest') !== true) return scanCollectors(digest, ownMsp);
  try {
    return (await api<{ data?: DataRecord }>('GET', `/v1/lookup/${digest}`)).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Leaves the Idempotency-Key unique per action so a double click never writes twice. */
export const newIdempotencyKey = (): string => crypto.randomUUID();

/** Hex SHA-256 of a file, computed in the browser; the bytes never leave it. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The operations each role may call, read from the gateway's own OpenAPI document (`x-kiseki-roles`). */
let operations: Map<string, readonly string[]> | undefined;
export async function loadOperations(): Promise<void> {
  const doc = await api<{ paths: Record<string, Record<string, { operationId?: string; 'x-kiseki-roles'?: string[] }>> }>(
    'GET',
    '/v1/openapi.json',
    { anonymous: true },
  );
  const map = new Map<string, readonly string[]>();
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) if (op.operationId !== undefined) map.set(op.operationId, op['x-kiseki-roles'] ?? []);
  }
  operations = map;
}

/** Whether the gateway serves the operation at all (loads its OpenAPI document once). */
export async function offers(operationId: string): Promise<boolean> {
  if (operations === undefined) await loadOperations().catch(() => undefined);
  return operations?.has(operationId) ?? false;
}

/** Whether `role` may call the operation (so a button is shown at all). */
export function may(role: string | undefined, operationId: string): boolean {
  if (role === undefined) return false;
  return operations?.get(operationId)?.includes(role) ?? false;
}

/** Reads a server-sent event stream with the API key (EventSource cannot send headers). */
export async function streamEvents(
  query: string,
  onEvent: (event: { id: string; name: string; data: Record<string, unknown> }) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(`/v1/events${query}`, { headers: headers({}), signal });
  if (!res.ok || res.body === null) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id = '';
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data !== '') {
        try {
          onEvent({ id, name, data: JSON.parse(data) as Record<string, unknown> });
        } catch {
          // A malformed event is skipped; the stream goes on.
        }
      }
    }
  }
}

/**
 * Replays past events of the given names from the first block and resolves once the stream has been
 * quiet for `idleMs` (the replay caught up with the ledger's head), or after `maxMs`.
 */
export async function replayEvents(
  names: readonly string[],
  onEvent: (data: Record<string, unknown>) => void,
  signal: AbortSignal,
  idleMs = 1500,
  maxMs = 20_000,
): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => {
    controller.abort();
  };
  signal.addEventListener('abort', stop);
  const deadline = setTimeout(stop, maxMs);
  let idle = setTimeout(stop, idleMs * 2);
  try {
    await streamEvents(
      `?startBlock=0&events=${names.join(',')}`,
      (event) => {
        onEvent(event.data);
        clearTimeout(idle);
        idle = setTimeout(stop, idleMs);
      },
      controller.signal,
    );
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    signal.removeEventListener('abort', stop);
  }
}
