import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KisekiClient } from './index';
import type { components } from './schema';

/**
 * Batch uploads: the gateway's `application/vnd.kiseki.batch` stream (a JSON header line with `size`,
 * then the bytes, item after item) written from any async source, the NDJSON answer read line by line
 * as chunks settle; and a folder uploaded through an upload session that resumes where it stopped.
 */

export type BatchItemResult = components['schemas']['BatchItemResult'];
export type BatchSummary = components['schemas']['BatchSummary'];
export const BATCH_MEDIA_TYPE = 'application/vnd.kiseki.batch';

export interface UploadItem {
  dataId: string;
  mediaType: string;
  bytes: Uint8Array;
  providerId?: string;
  termsId?: string;
}

/** The header line of one item of the batch stream. */
function encodeHeader(item: UploadItem): Buffer {
  const header: Record<string, unknown> = { dataId: item.dataId, mediaType: item.mediaType, size: item.bytes.length };
  if (item.providerId !== undefined) header.providerId = item.providerId;
  if (item.termsId !== undefined) header.termsId = item.termsId;
  return Buffer.from(`${JSON.stringify(header)}\n`);
}

/** One item of the batch stream. */
export function encodeItem(item: UploadItem): Uint8Array {
  return Buffer.concat([encodeHeader(item), item.bytes]);
}

/** Bytes gathered into one write of the request body. */
const WRITE_BYTES = 64 * 1024;

export interface BatchOptions {
  providerId?: string;
  termsId?: string;
  /** Defaults to `/v1/data/batch`; a session's `/v1/data/sessions/<id>/items` takes the same stream. */
  path?: string;
  onResult?: (result: BatchItemResult) => void;
  /** Called with the bytes sent so far. */
  onSent?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** Reads an NDJSON body line by line. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      if (line.trim() !== '') yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  if (buffer.trim() !== '') yield JSON.parse(buffer) as Record<string, unknown>;
}

/**
 * Streams `items` to the gateway in one request and reads the per-item answers as they come.
 * @throws Error with the gateway's error body when the request is refused as a whole (4xx/5xx), or
 * when the stream broke off (the answers received so far were reported).
 */
export async function uploadBatch(
  client: KisekiClient,
  items: AsyncIterable<UploadItem> | Iterable<UploadItem>,
  options: BatchOptions = {},
): Promise<BatchSummary> {
  const { baseUrl, apiKey } = client.options;
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    // Items go out gathered into writes of about 64 KiB: one write per small item cost the client a
    // stream turn and a socket write each.
    async pull(controller) {
      const parts: Uint8Array[] = [];
      let size = 0;
      let done = false;
      while (size < WRITE_BYTES) {
        const next = await iterator.next();
        if (next.done === true) {
          done = true;
          break;
        }
        const item = next.value;
        const header = encodeHeader(item);
        parts.push(header, item.bytes);
        size += header.length + item.bytes.length;
      }
      if (size > 0) {
        sent += size;
        options.onSent?.(sent);
        controller.enqueue(Buffer.concat(parts, size));
      }
      if (done) controller.close();
    },
  });
  const query = new URLSearchParams();
  if (options.providerId !== undefined) query.set('providerId', options.providerId);
  if (options.termsId !== undefined) query.set('termsId', options.termsId);
  const url = `${baseUrl.replace(/\/$/, '')}${options.path ?? '/v1/data/batch'}${query.size > 0 ? `?${query.toString()}` : ''}`;
  const res = await (client.options.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': BATCH_MEDIA_TYPE },
    body,
    duplex: 'half',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!res.ok || res.body === null) throw new Error(`batch upload refused: ${res.status} ${await res.text()}`);
  let summary: BatchSummary | undefined;
  for await (const line of ndjsonLines(res.body)) {
    if ('summary' in line) {
      summary = line.summary as BatchSummary;
      if ('error' in line) throw new Error(`the batch stream broke off: ${JSON.stringify(line.error)}`);
    } else {
      options.onResult?.(line as unknown as BatchItemResult);
    }
  }
  if (summary === undefined) throw new Error('the gateway closed the answer before the summary');
  return summary;
}

const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.json': 'application/json',
  '.txt': 'text/plain',
};

/** A dataId from a file name: characters outside the ID alphabet become `-`. */
export function dataIdFor(file: string, prefix = ''): string {
  return `${prefix}${path.basename(file)}`
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
}

export interface FolderProgress {
  phase: 'uploading' | 'registering';
  done: number;
  total: number;
  bytes: number;
  summary: Partial<Record<BatchItemResult['status'], number>>;
}

export interface FolderUploadOptions {
  providerId: string;
  termsId: string;
  /** Prefixed to each file name to make its dataId. */
  idPrefix?: string;
  /** Through an upload session that resumes after an interruption (default), or one batch request. */
  session?: boolean;
  /** Items per request while filling a session; default 2,000. */
  itemsPerRequest?: number;
  onProgress?: (progress: FolderProgress) => void;
  onResult?: (result: BatchItemResult) => void;
}

/** What a folder upload remembers between runs, in `<folder>/.kiseki-upload.json`. */
interface ResumeState {
  sessionId: string;
  staged: string[];
}

export const RESUME_FILE = '.kiseki-upload.json';

/**
 * Uploads every regular file of `dir` (not recursive, hidden files skipped) as data items. In session
 * mode (the default), the session and the items already staged are remembered in the folder, so
 * running it again after an interruption sends only what is missing, then commits; items that an
 * interrupted commit registered come back `registered` (never twice).
 */
export async function uploadFolder(client: KisekiClient, dir: string, options: FolderUploadOptions): Promise<BatchSummary> {
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const total = files.length;
  const counts: FolderProgress['summary'] = {};
  let done = 0;
  let bytes = 0;
  const progress = (phase: FolderProgress['phase']): void => options.onProgress?.({ phase, done, total, bytes, summary: { ...counts } });
  const itemsOf = async function* (names: string[]): AsyncGenerator<UploadItem> {
    for (const name of names) {
      const content = await readFile(path.join(dir, name));
      bytes += (await stat(path.join(dir, name))).size;
      yield {
        dataId: dataIdFor(name, options.idPrefix),
        mediaType: MEDIA_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
        bytes: content,
      };
    }
  };
  const count = (result: BatchItemResult): void => {
    counts[result.status] = (counts[result.status] ?? 0) + 1;
    done += 1;
    options.onResult?.(result);
  };

  if (options.session === false) {
    const summary = await uploadBatch(client, itemsOf(files), {
      providerId: options.providerId,
      termsId: options.termsId,
      onResult: (result) => {
        count(result);
        progress('registering');
      },
    });
    return summary;
  }

  const stateFile = path.join(dir, RESUME_FILE);
  let state: ResumeState | undefined = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as ResumeState) : undefined;
  if (state !== undefined) {
    const found = await client.GET('/v1/data/sessions/{sessionId}', { params: { path: { sessionId: state.sessionId } } });
    if (found.data?.state !== 'open') state = undefined;
  }
  if (state === undefined) {
    const created = await client.POST('/v1/data/sessions', {});
    if (created.data === undefined) throw new Error(`could not open an upload session: ${JSON.stringify(created.error)}`);
    state = { sessionId: created.data.sessionId, staged: [] };
    writeFileSync(stateFile, JSON.stringify(state));
  }
  const current = state;
  const staged = new Set(current.staged);
  const todo = files.filter((name) => !staged.has(dataIdFor(name, options.idPrefix)));
  done = total - todo.length;
  progress('uploading');
  const perRequest = options.itemsPerRequest ?? 2000;
  for (let start = 0; start < todo.length; start += perRequest) {
    await uploadBatch(client, itemsOf(todo.slice(start, start + perRequest)), {
      providerId: options.providerId,
      termsId: options.termsId,
      path: `/v1/data/sessions/${current.sessionId}/items`,
      onResult: (result) => {
        done += 1;
        if (result.status === 'staged' && result.dataId !== undefined) staged.add(result.dataId);
        else counts[result.status] = (counts[result.status] ?? 0) + 1;
        progress('uploading');
      },
    });
    writeFileSync(stateFile, JSON.stringify({ sessionId: current.sessionId, staged: [...staged] } satisfies ResumeState));
  }

  done = 0;
  const { baseUrl, apiKey } = client.options;
  const res = await (client.options.fetch ?? fetch)(`${baseUrl.replace(/\/$/, '')}/v1/data/sessions/${current.sessionId}/commit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (!res.ok || res.body === null) throw new Error(`commit refused: ${res.status} ${await res.text()}`);
  let summary: BatchSummary | undefined;
  let committed = false;
  for await (const line of ndjsonLines(res.body)) {
    if ('summary' in line) {
      summary = line.summary as BatchSummary;
      committed = (line.session as { state?: string } | undefined)?.state === 'committed';
      if ('error' in line) throw new Error(`the commit broke off: ${JSON.stringify(line.error)}; run again to resume`);
    } else {
      count(line as unknown as BatchItemResult);
      progress('registering');
    }
  }
  if (committed) rmSync(stateFile, { force: true });
  if (summary === undefined) throw new Error('the gateway closed the commit before the summary; run again to resume');
  return summary;
}
