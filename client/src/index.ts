import { randomUUID } from 'node:crypto';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { exponential, retry, retryAfterMs } from '@kiseki/network/dist/retry';
import type { paths } from './schema';

export type { paths, components, operations } from './schema';
export {
  encodeItem,
  uploadBatch,
  uploadFolder,
  type BatchItemResult,
  type BatchSummary,
  type FolderUploadOptions,
  type UploadItem,
} from './batch';
export { followEvents, type LedgerEventMessage } from './events';
export { fetchTrusting } from './tls';
import { fetchTrusting } from './tls';

/**
 * A typed client for one org's Kiseki gateway: every route and body typed from the gateway's OpenAPI
 * document (openapi-fetch over generated types), plus what clients tend to get wrong by hand —
 * an Idempotency-Key on every POST (so a retry never registers twice), and retries of 503/504 that
 * honour `Retry-After`.
 */

export interface KisekiClientOptions {
  /** The gateway, e.g. `https://127.0.0.1:8080`. */
  baseUrl: string;
  apiKey: string;
  /** PEM file(s) of the CA that issued the gateway's HTTPS certificate (the org's TLS CA); system roots when absent. */
  caCertPath?: string | readonly string[];
  /** Client certificate and key (PEM files), for a gateway that requires mutual TLS. */
  clientCertPath?: string;
  clientKeyPath?: string;
  /** Retries after a 503/504 (safe requests and POSTs carrying an Idempotency-Key); default 4. */
  retries?: number;
  /** Cap of one wait between retries, in ms; default 30 s. */
  maxRetryWaitMs?: number;
  fetch?: typeof fetch;
  /** Adds an Idempotency-Key to every POST without one (default true). */
  idempotencyKeys?: boolean;
}

export type KisekiClient = Client<paths> & { readonly options: Readonly<KisekiClientOptions> };

/** Milliseconds to wait before retry `attempt` (from 0): `Retry-After` when given, else capped backoff. */
export function retryDelayMs(response: Response, attempt: number, capMs: number): number {
  return Math.min(retryAfterMs(response.headers.get('retry-after')) ?? exponential(250, capMs)(attempt + 1), capMs);
}

/**
 * A fetch that retries 503 and 504 when repeating the request is safe: reads, and writes that carry
 * an Idempotency-Key (the gateway answers a repeated key with the first result).
 */
export function retryingFetch(base: typeof fetch, retries: number, capMs: number): (input: Request) => Promise<Response> {
  return (request: Request) => {
    const safe = request.method === 'GET' || request.method === 'HEAD' || request.headers.has('idempotency-key');
    if (!safe) return base(request);
    return retry((attempt) => base(attempt <= retries ? request.clone() : request), {
      attempts: retries + 1,
      retryIf: (o) => o.ok && (o.value.status === 503 || o.value.status === 504),
      delay: (attempt, o) => (o.ok ? retryDelayMs(o.value, attempt - 1, capMs) : 0),
      onRetry: (o) => {
        if (o.ok) void o.value.body?.cancel();
      },
      signal: request.signal,
    });
  };
}

/** Adds the API key, and an Idempotency-Key to POSTs that have none. */
function authAndIdempotency(apiKey: string, idempotencyKeys: boolean): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${apiKey}`);
      if (idempotencyKeys && request.method === 'POST' && !request.headers.has('idempotency-key'))
        request.headers.set('idempotency-key', randomUUID());
      return request;
    },
  };
}

export function createKisekiClient(given: KisekiClientOptions): KisekiClient {
  const caCertPaths =
    given.caCertPath === undefined ? [] : typeof given.caCertPath === 'string' ? [given.caCertPath] : [...given.caCertPath];
  const options: KisekiClientOptions =
    given.fetch === undefined && (caCertPaths.length > 0 || given.clientCertPath !== undefined)
      ? {
          ...given,
          fetch: fetchTrusting({
            caCertPaths,
            ...(given.clientCertPath === undefined ? {} : { clientCertPath: given.clientCertPath }),
            ...(given.clientKeyPath === undefined ? {} : { clientKeyPath: given.clientKeyPath }),
          }),
        }
      : given;
  const base = options.fetch ?? globalThis.fetch;
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    fetch: retryingFetch(base, options.retries ?? 4, options.maxRetryWaitMs ?? 30_000),
  });
  client.use(authAndIdempotency(options.apiKey, options.idempotencyKeys !== false));
  return Object.assign(client, { options });
}
