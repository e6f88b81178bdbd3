import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { PassThrough, Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { retry, sleep } from '@kiseki/network/dist/retry';
import type { AccessRequest } from '@kiseki/chaincode/shared/requests';
import { z } from 'zod';
import type { Principal } from '../auth';
import type { GatewayConfig } from '../config';
import { AppError, type AppErrorCode, AppErrorCodes } from '../errors';
import type { Ledger } from '../fabric/ledger';
import { ledgerReader } from '../ledger/client';
import type { Logger } from '../logger';
import type { Services } from '../use-cases/services';
import type { Transactor } from '../use-cases/transactor';
import { DigestGate } from '../vault/packs';
import { MinioVault } from '../vault/minio-vault';
import type { OpenedObject, PresignedUrl } from '../vault/vault';
import { newOrgSigner, type OrgSigner, signRequest, verifyRequest } from './signing';

/**
 * Content exchange between org gateways. The requesting gateway asks its own peer whether its org
 * may obtain the asset (`access:Entitlement`), asks the holder org's gateway for the bytes with a
 * request signed by its org's Fabric identity, re-hashes them and compares with the ledger digest
 * before handing anything to its client. The holder's gateway checks the signature against the
 * requesting org's CA, records the access on its own peer (`access:Record`, which judges the
 * entitlement again) and only then streams the bytes out of its own vault — or, when the requester
 * reaches the holder's vault and asked for it, answers with a short-lived presigned URL of the one
 * vault object, which the requester reads directly and checks the same way (a presigned hand-off).
 */

/** Content an org may ask another org's gateway for, and where each kind is kept in a vault. */
export const ExchangeAssetTypes = ['data', 'output', 'terms'] as const;
export type ExchangeAssetType = (typeof ExchangeAssetTypes)[number];

export function vaultKeyOf(assetType: ExchangeAssetType, assetId: string): string {
  if (assetType === 'data') return `data/${assetId}`;
  if (assetType === 'output') return `outputs/${assetId}`;
  return `terms/${assetId}/legal-text`;
}

export const exchangePath = (assetType: ExchangeAssetType, assetId: string): string =>
  `/v1/exchange/${assetType}/${encodeURIComponent(assetId)}/content`;

/** One other org, as this gateway knows it. */
export interface ExchangePeer {
  readonly mspId: string;
  /** Its gateway's base URL; absent for an org this gateway serves but never asks. */
  readonly url?: string;
  /** Its CA certificates: requests signed by identities they issued are that org's. */
  readonly cas: readonly X509Certificate[];
  /**
   * Its vault's endpoint as this gateway reaches it: this gateway then asks for a presigned hand-off
   * and follows only URLs of this origin. Absent: the org's gateway relays the bytes.
   */
  readonly vaultUrl?: string;
}

/** How this gateway hands its own content out as a presigned URL instead of relaying the bytes. */
export interface HandoffOptions {
  /** Lifetime of a URL handed out. */
  readonly ttlSeconds: number;
  /** The size of the vault object at `key`; undefined when there is none (a packed item: relayed). */
  readonly size: (key: string) => Promise<number | undefined>;
  /** A URL to GET the object at `key` for `ttlSeconds`, signed for the endpoint other orgs reach. */
  readonly presign: (key: string, ttlSeconds: number) => Promise<PresignedUrl>;
}

/** The holder's answer to a presigned hand-off: where to read the one object, until when. */
export const Handoff = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  expiresAt: z.iso.datetime({ offset: true }),
  size: z.number().int().nonnegative(),
});
export type Handoff = z.infer<typeof Handoff>;

/** The header that says how the holder answered: `presigned` (a {@link Handoff}) or `relay` (the bytes). */
export const HANDOFF_HEADER = 'x-kiseki-handoff';
/** The largest hand-off answer read from a holder. */
const HANDOFF_MAX_BYTES = 16 * 1024;

export interface ExchangeOptions {
  readonly signer: OrgSigner;
  readonly peers: readonly ExchangePeer[];
  readonly ledger: Ledger;
  /** Opens this org's content of an asset from its vault; undefined when it is not there. */
  readonly open: (assetType: ExchangeAssetType, assetId: string) => Promise<OpenedObject | undefined>;
  readonly transactor: Transactor;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly maxSkewMs: number;
  /** Largest content accepted from another org. */
  readonly maxBytes: number;
  /**
   * HTTPS to the other gateways: the CAs their certificates chain to (system roots when absent), and this
   * gateway's own certificate and key, presented to a gateway that asks for client certificates.
   */
  readonly tls?: { readonly ca?: readonly string[]; readonly cert?: string; readonly key?: string };
  /** Presigned hand-offs of this org's content; absent: always relayed. */
  readonly handoff?: HandoffOptions;
}

/** An access record endorsed by the ledger, and its acceptance by the ordering service to come. */
interface Recorded {
  readonly transactionId: string;
  readonly result: unknown;
  readonly ordered: Promise<unknown>;
}

/** What the ledger answered for one request. */
interface Entitlement {
  readonly holderMsp: string;
  readonly contentDigest?: string;
  readonly allowed: boolean;
  readonly rule?: string;
  readonly grantId?: string;
  readonly code?: string;
  readonly reason?: string;
}

/** How an org's content was granted, as the holder answered. */
interface Delivery {
  readonly holderMsp: string;
  readonly accessId: string;
  readonly rule: string;
  readonly grantId?: string;
  readonly handoff: 'presigned' | 'relay';
}

const EXCHANGE_PRINCIPAL_PREFIX = 'exchange:';
/**
 * Content up to this size is received whole and checked before the first byte goes to the client, so
 * a mismatch is answered with a clean 502. Larger content streams through with its last chunk held
 * back until the digest matched (see {@link DigestGate}).
 */
export const VERIFY_WHOLE_MAX_BYTES = 1024 * 1024;
/**
 * What the holder reads ahead from its vault while the ledger judges a request (nothing leaves before
 * the endorsement), and keeps buffered between its vault and the requester afterwards; and what the
 * requester keeps buffered between the holder and its client. On shared cores each hop then moves
 * megabytes per turn instead of stalling on the next one's 64 KiB buffer.
 */
export const HOLDER_READ_AHEAD_BYTES = 8 * 1024 * 1024;
export const REQUESTER_BUFFER_BYTES = 4 * 1024 * 1024;
/** Delays before recording an access again whose first record did not commit after delivery. */
const RECORD_AGAIN_DELAYS_MS = [2_000, 10_000, 30_000];

export class ExchangeService {
  readonly #o: ExchangeOptions;
  readonly #cas: ReadonlyMap<string, readonly X509Certificate[]>;
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https: HttpsAgent;

  constructor(options: ExchangeOptions) {
    this.#o = options;
    const tls = options.tls;
    this.#https = new HttpsAgent({
      keepAlive: true,
      ...(tls?.ca === undefined || tls.ca.length === 0 ? {} : { ca: [...tls.ca] }),
      ...(tls?.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
    });
    this.#cas = new Map(options.peers.map((p) => [p.mspId, p.cas]));
  }

  get mspId(): string {
    return this.#o.signer.mspId;
  }

  /**
   * Obtains another org's content for this org and sends it to `res`: entitlement on this org's
   * peer, the bytes from the holder's gateway, their SHA-256 checked against the ledger while they
   * stream. Content up to {@link VERIFY_WHOLE_MAX_BYTES} is checked before anything is sent; larger
   * content is sent as it arrives except its last chunk, which is released only when the digest
   * matched — on a mismatch the response is cut short, so the client never holds the whole content.
   * @throws AppError `FORBIDDEN`/`STATE` when not entitled; `UNAVAILABLE` (503) naming the holder
   *   when its gateway does not answer; `DIGEST_MISMATCH` (502) naming the asset and the holder;
   *   the holder's own refusal otherwise. Nothing has been sent when it throws.
   */
  async deliver(assetType: ExchangeAssetType, assetId: string, grantId: string | undefined, res: Response): Promise<void> {
    const entitlement = await this.#entitlement(this.mspId, assetType, assetId, grantId);
    const holder = entitlement.holderMsp;
    if (!entitlement.allowed) {
      const code: AppErrorCode = entitlement.code === 'STATE' ? 'STATE' : 'FORBIDDEN';
      throw new AppError(
        code,
        `${this.mspId} may not obtain ${assetType} ${assetId} from ${holder}: ${entitlement.reason ?? 'not entitled'}`,
      );
    }
    const expected = entitlement.contentDigest;
    if (expected === undefined) throw new AppError('INTERNAL', `the ledger holds no digest for ${assetType} ${assetId}`);
    const peer = this.#o.peers.find((p) => p.mspId === holder);
    if (peer?.url === undefined)
      throw new AppError('UNAVAILABLE', `no gateway of ${holder} is configured: its ${assetType} ${assetId} cannot be obtained`);
    const query = new URLSearchParams({
      ...(grantId === undefined ? {} : { grantId }),
      ...(peer.vaultUrl === undefined ? {} : { handoff: 'presigned' }),
    }).toString();
    const pathAndQuery = `${exchangePath(assetType, assetId)}${query === '' ? '' : `?${query}`}`;
    const headers = signRequest(this.#o.signer, { method: 'GET', pathAndQuery, toMsp: holder });
    let response: IncomingMessage;
    try {
      response = await this.#get(new URL(`${peer.url.replace(/\/$/, '')}${pathAndQuery}`), headers);
    } catch (error) {
      throw new AppError('UNAVAILABLE', `the gateway of ${holder} does not answer; ${assetType} ${assetId} cannot be obtained now`, {
        cause: error,
        headers: { 'Retry-After': '5' },
      });
    }
    if (response.statusCode !== 200) throw await holderRefusal(response, holder, assetType, assetId);
    const grant = header(response, 'x-kiseki-grant-id');
    const presigned = header(response, HANDOFF_HEADER) === 'presigned';
    const delivery: Delivery = {
      holderMsp: holder,
      accessId: header(response, 'x-kiseki-access-id') ?? '',
      rule: header(response, 'x-kiseki-rule') ?? entitlement.rule ?? '',
      ...(grant === undefined ? {} : { grantId: grant }),
      handoff: presigned ? 'presigned' : 'relay',
    };
    // A presigned hand-off: the bytes come from the holder's vault directly, checked the same way.
    if (presigned) response = await this.#fromVault(response, peer, assetType, assetId);
    const mediaType = header(response, 'content-type') ?? 'application/octet-stream';
    const size = Number(header(response, 'content-length'));
    const what = { holder, assetType, assetId };
    if (size > this.#o.maxBytes) {
      response.destroy();
      throw new AppError('PAYLOAD_TOO_LARGE', `${assetType} ${assetId} from ${holder} is larger than ${this.#o.maxBytes} bytes`);
    }
    if (!Number.isSafeInteger(size) || size <= VERIFY_WHOLE_MAX_BYTES) {
      const { bytes, digest } = await readHashed(response, this.#o.maxBytes, holder, assetType, assetId);
      if (digest !== expected) {
        this.#o.logger.warn('content from another org does not match the ledger digest', {
          ...what,
          handoff: delivery.handoff,
          expected,
          digest,
        });
        throw mismatch(assetType, assetId, holder, expected, digest, delivery.handoff);
      }
      sendHeaders(res, delivery, mediaType, bytes.length, digest);
      res.end(bytes);
      return;
    }
    sendHeaders(res, delivery, mediaType, size, expected);
    try {
      const gate = new DigestGate(expected, size, (digest) => mismatch(assetType, assetId, holder, expected, digest, delivery.handoff), {
        highWaterMark: REQUESTER_BUFFER_BYTES,
      });
      await pipeline(response, gate, res);
    } catch (error) {
      // Headers are gone: the response is cut short, so the client never receives the whole content.
      this.#o.logger.warn('content from another org was cut short while streaming', {
        ...what,
        handoff: delivery.handoff,
        error: String(error),
      });
    }
  }

  /**
   * Reads a holder's presigned hand-off and opens the URL it names, which must be of the holder's
   * vault origin as configured here (a holder cannot make this gateway fetch anything else).
   * @throws AppError `UNAVAILABLE` naming the holder when the answer is malformed, names another
   *   origin, or the vault refuses the URL (expired, tampered with) or does not answer.
   */
  async #fromVault(answer: IncomingMessage, peer: ExchangePeer, assetType: string, assetId: string): Promise<IncomingMessage> {
    const holder = peer.mspId;
    const what = `${assetType} ${assetId}`;
    const refused = (reason: string, cause?: unknown): AppError =>
      new AppError('UNAVAILABLE', `the presigned hand-off of ${what} by ${holder} failed: ${reason}`, {
        ...(cause === undefined ? {} : { cause }),
        headers: { 'Retry-After': '5' },
      });
    let handoff: Handoff;
    try {
      const body = await readAtMost(answer, HANDOFF_MAX_BYTES);
      handoff = Handoff.parse(JSON.parse(body.toString('utf8')));
    } catch (error) {
      throw refused('its answer is not a hand-off', error);
    }
    const url = new URL(handoff.url);
    if (peer.vaultUrl === undefined || url.origin !== new URL(peer.vaultUrl).origin)
      throw refused(`the URL is not of its vault (${peer.vaultUrl ?? 'none configured'})`);
    let response: IncomingMessage;
    try {
      response = await this.#get(url, {});
    } catch (error) {
      throw refused('its vault does not answer', error);
    }
    if (response.statusCode !== 200) {
      const text = (await readAtMost(response, HANDOFF_MAX_BYTES).catch(() => Buffer.alloc(0))).toString('utf8');
      const code = /<Code>([^<]{1,64})<\/Code>/.exec(text)?.[1];
      const message = /<Message>([^<]{1,200})<\/Message>/.exec(text)?.[1];
      throw refused(
        `its vault answered ${response.statusCode ?? 0}${code === undefined ? '' : ` ${code}`}${message === undefined ? '' : `: ${message}`}`,
      );
    }
    return response;
  }

  /**
   * Serves this org's content to another org's gateway: checks its signature, records the access
   * on the ledger (which refuses an org that is not entitled), then streams the bytes from the vault.
   * The vault is read ahead while the record is endorsed; the stream starts once it is endorsed (the
   * chaincode judged the entitlement), and its last chunk is held back until the record is accepted
   * by the ordering service — if it is not, the response is cut short, so no delivery completes
   * unrecorded. The commit is awaited beside the stream, and a record that fails to commit is
   * submitted again, so every delivery is recorded.
   * @throws AppError `UNAUTHENTICATED` for a request not signed by a known org; `NOT_FOUND` when the
   *   bytes are not in this vault; the ledger's refusal (`FORBIDDEN`, `STATE`, `NOT_FOUND`).
   */
  async serve(
    request: { method: string; pathAndQuery: string; header: (name: string) => string | undefined; requestId: string },
    asset: { assetType: ExchangeAssetType; assetId: string; grantId?: string; handoff?: 'presigned' },
    res: Response,
  ): Promise<void> {
    const verdict = verifyRequest({
      method: request.method,
      pathAndQuery: request.pathAndQuery,
      headers: request.header,
      selfMsp: this.mspId,
      orgCas: this.#cas,
      now: new Date(),
      maxSkewMs: this.#o.maxSkewMs,
    });
    if (!verdict.ok) throw new AppError('UNAUTHENTICATED', verdict.reason);
    if (asset.handoff === 'presigned' && (await this.#handOff(request.requestId, verdict.mspId, asset, res))) return;
    const opened = await this.#o.open(asset.assetType, asset.assetId);
    if (opened === undefined)
      throw new AppError('NOT_FOUND', `${this.mspId} does not hold the content of ${asset.assetType} ${asset.assetId}`);
    // Read ahead from the vault while the ledger judges the request; nothing is sent before that.
    const readAhead = new PassThrough({ highWaterMark: HOLDER_READ_AHEAD_BYTES });
    const reading = pipeline(opened.body, readAhead);
    reading.catch(() => undefined);
    let endorsed: Recorded;
    try {
      endorsed = await this.#record(request.requestId, {
        requesterMsp: verdict.mspId,
        assetType: asset.assetType,
        assetId: asset.assetId,
        ...(asset.grantId === undefined ? {} : { grantId: asset.grantId }),
      });
    } catch (error) {
      readAhead.destroy();
      throw error;
    }
    const access = endorsed.result as { accessId?: string; rule?: string; grantId?: string } | undefined;
    res.status(200).set({
      'content-type': opened.contentType,
      'content-length': String(opened.size),
      'x-kiseki-access-id': access?.accessId ?? endorsed.transactionId,
      'x-kiseki-rule': access?.rule ?? '',
      ...(access?.grantId === undefined ? {} : { 'x-kiseki-grant-id': access.grantId }),
      [HANDOFF_HEADER]: 'relay',
    });
    await pipeline(readAhead, new ReleaseGate(endorsed.ordered, { highWaterMark: HOLDER_READ_AHEAD_BYTES }), res);
  }

  /**
   * Answers a request for a presigned hand-off with a URL of the asset's own vault object, valid for
   * `handoff.ttlSeconds`. The key is derived here from the asset's type and ID (never taken from the
   * request), so the URL reads exactly the object whose access the ledger judged and recorded. The
   * URL is handed over only once `access:Record` is accepted by the ordering service: the URL is the
   * whole content at once, so it is released when the relay would release its last chunk.
   * @returns false (nothing sent, nothing recorded) when this gateway does not hand off or the asset
   *   has no object of its own (a packed data item): the caller relays the bytes instead.
   * @throws AppError the ledger's refusal, or `UNAVAILABLE` when the record was not ordered.
   */
  async #handOff(
    requestId: string,
    requesterMsp: string,
    asset: { assetType: ExchangeAssetType; assetId: string; grantId?: string },
    res: Response,
  ): Promise<boolean> {
    const handoff = this.#o.handoff;
    if (handoff === undefined) return false;
    const key = vaultKeyOf(asset.assetType, asset.assetId);
    const size = await handoff.size(key);
    if (size === undefined) return false;
    const endorsed = await this.#record(requestId, {
      requesterMsp,
      assetType: asset.assetType,
      assetId: asset.assetId,
      ...(asset.grantId === undefined ? {} : { grantId: asset.grantId }),
    });
    try {
      await endorsed.ordered;
    } catch (error) {
      throw new AppError('UNAVAILABLE', `the access to ${asset.assetType} ${asset.assetId} could not be recorded; nothing was handed out`, {
        cause: error,
        headers: { 'Retry-After': '5' },
      });
    }
    const { url, expiresAt } = await handoff.presign(key, handoff.ttlSeconds);
    const access = endorsed.result as { accessId?: string; rule?: string; grantId?: string } | undefined;
    const body: Handoff = { url, expiresAt, size };
    res
      .status(200)
      .set({
        'cache-control': 'no-store',
        'x-kiseki-access-id': access?.accessId ?? endorsed.transactionId,
        'x-kiseki-rule': access?.rule ?? '',
        ...(access?.grantId === undefined ? {} : { 'x-kiseki-grant-id': access.grantId }),
        [HANDOFF_HEADER]: 'presigned',
      })
      .json(body);
    return true;
  }

  /**
   * Submits `access:Record` and resolves once it is endorsed (the chaincode judged the entitlement),
   * with a promise of its acceptance by the ordering service; the commit is awaited in the background.
   * @throws AppError the ledger's refusal, or a failure before endorsement.
   */
  async #record(requestId: string, request: AccessRequest): Promise<Recorded> {
    const principal: Principal = { clientId: `${EXCHANGE_PRINCIPAL_PREFIX}${request.requesterMsp}`, role: 'auditor' };
    const endorsed = withResolvers<{ transactionId: string; result: unknown }>();
    const ordered = withResolvers<undefined>();
    let wasOrdered = false;
    const committed = this.#o.transactor.client(principal, requestId).access.record(request, {
      // Later attempts (a retry after an invalidation) do not change what was answered.
      onEndorsed: (e) => {
        endorsed.resolve(e);
      },
      onOrdered: () => {
        wasOrdered = true;
        ordered.resolve(undefined);
      },
    });
    committed.then(
      (done) => {
        endorsed.resolve({ transactionId: done.transactionId, result: done.result });
        ordered.resolve(undefined);
      },
      (error: unknown) => {
        endorsed.reject(error);
        ordered.reject(error);
        if (wasOrdered) void this.#recordAgain(principal, requestId, request, error);
      },
    );
    ordered.promise.catch(() => undefined);
    const first = await endorsed.promise;
    return { ...first, ordered: ordered.promise };
  }

  /** Records a delivered access again after its first record failed to commit. */
  async #recordAgain(principal: Principal, requestId: string, request: AccessRequest, first: unknown): Promise<void> {
    const warn = (error: unknown): void => {
      this.#o.logger.warn('the access record of a delivery did not commit; recording it again', { ...request, error: String(error) });
    };
    warn(first);
    try {
      await sleep(RECORD_AGAIN_DELAYS_MS[0] ?? 0, undefined, { unref: true });
      await retry(() => this.#o.transactor.client(principal, requestId).access.record(request), {
        attempts: RECORD_AGAIN_DELAYS_MS.length,
        delay: (attempt) => RECORD_AGAIN_DELAYS_MS[attempt] ?? 0,
        unref: true,
        onRetry: (outcome) => {
          warn(outcome.ok ? undefined : outcome.error);
        },
      });
    } catch (error) {
      this.#o.logger.error('a delivery could not be recorded on the ledger', { ...request, error: String(error) });
    }
  }

  #get(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(url, { headers, agent: https ? this.#https : this.#http }, resolve);
      req.setTimeout(this.#o.timeoutMs, () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  async #entitlement(requesterMsp: string, assetType: ExchangeAssetType, assetId: string, grantId?: string): Promise<Entitlement> {
    const query = { requesterMsp, assetType, assetId, ...(grantId === undefined ? {} : { grantId }) };
    return ledgerReader(this.#o.ledger).access.entitlement(query);
  }
}

const header = (response: IncomingMessage, name: string): string | undefined => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const mismatch = (
  assetType: string,
  assetId: string,
  holder: string,
  expected: string,
  digest: string,
  handoff: Delivery['handoff'],
): AppError =>
  new AppError(
    'DIGEST_MISMATCH',
    `${assetType} ${assetId} served by ${holder}${handoff === 'presigned' ? ' (from its vault, presigned hand-off)' : ''} does not match its ledger digest (expected ${expected}, got ${digest}); nothing was handed on`,
  );

/** Reads a small body whole, refusing more than `maxBytes`. */
async function readAtMost(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw new Error(`more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function sendHeaders(res: Response, delivery: Delivery, mediaType: string, size: number, digest: string): void {
  res.status(200).set({
    'content-type': mediaType,
    'content-length': String(size),
    'x-content-sha256': digest,
    'x-kiseki-holder': delivery.holderMsp,
    'x-kiseki-access-id': delivery.accessId,
    'x-kiseki-rule': delivery.rule,
    ...(delivery.grantId === undefined ? {} : { 'x-kiseki-grant-id': delivery.grantId }),
    [HANDOFF_HEADER]: delivery.handoff,
  });
}

/** The holder's refusal as this gateway's error, naming the holder. */
async function holderRefusal(response: IncomingMessage, holder: string, assetType: string, assetId: string): Promise<AppError> {
  let code: string | undefined;
  const status = response.statusCode ?? 0;
  let message = `answered ${status}`;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of response as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    if (body.error?.message !== undefined) message = body.error.message;
  } catch {
    // not a JSON error body
  }
  const text = `the gateway of ${holder} refused ${assetType} ${assetId}: ${message}`;
  if (status >= 500) return new AppError('UNAVAILABLE', text, { headers: { 'Retry-After': '5' } });
  if (code !== undefined && code in AppErrorCodes && code !== 'UNAUTHENTICATED') return new AppError(code as AppErrorCode, text);
  return new AppError('FORBIDDEN', text);
}

/** Reads a body whole while hashing it, refusing more than `maxBytes`. */
async function readHashed(
  response: IncomingMessage,
  maxBytes: number,
  holder: string,
  assetType: string,
  assetId: string,
): Promise<{ bytes: Buffer; digest: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes)
        throw new AppError('PAYLOAD_TOO_LARGE', `${assetType} ${assetId} from ${holder} is larger than ${maxBytes} bytes`);
      hash.update(chunk);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('UNAVAILABLE', `the gateway of ${holder} broke off while sending ${assetType} ${assetId}`, { cause: error });
  }
  return { bytes: Buffer.concat(chunks, size), digest: hash.digest('hex') };
}

/** Reads an org's CA certificates from a PEM file or every `.pem` file of a directory (a Fabric MSP's `cacerts/`). */
export function readCaCerts(path: string): X509Certificate[] {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.pem'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.map((file) => new X509Certificate(readFileSync(file)));
}

/** The CA directory of a Fabric identity: `<msp>/cacerts` beside `<msp>/signcerts/cert.pem`. */
export const caDirOfIdentity = (certPath: string): string => join(dirname(dirname(certPath)), 'cacerts');

/** A PEM key file, or the single key file of a directory (a Fabric MSP's `keystore/`). */
export function readKeyPem(path: string): string {
  if (!statSync(path).isDirectory()) return readFileSync(path, 'utf8');
  const files = readdirSync(path).filter((name) => !name.startsWith('.'));
  if (files.length !== 1 || files[0] === undefined) throw new Error(`${path}: expected exactly one key file, found ${files.length}`);
  return readFileSync(join(path, files[0]), 'utf8');
}

/** The signer of this org's gateway, from its Fabric identity files. */
export function orgSignerFrom(mspId: string, certPath: string, keyPem: string): OrgSigner {
  return newOrgSigner(mspId, readFileSync(certPath, 'utf8'), keyPem);
}

/** The exchange of a gateway from its config, or `undefined` when none is configured. */
export function exchangeFromConfig(
  config: Pick<GatewayConfig, 'mspId' | 'identity' | 'exchange' | 'limits'> &
    Partial<Pick<GatewayConfig, 'tls' | 'gatewayCAPaths' | 'vault'>>,
  services: Pick<Services, 'ledger' | 'vault' | 'packs' | 'transactor' | 'logger'>,
): ExchangeService | undefined {
  if (config.exchange === undefined) return undefined;
  const handoff = config.exchange.handoff ?? { presigned: true, ttlSeconds: 60 };
  // URLs for other orgs are signed for the endpoint they reach; signing needs no request to the vault.
  const signer =
    handoff.vaultUrl === undefined || config.vault === undefined
      ? services.vault
      : new MinioVault({ ...config.vault, endpoint: handoff.vaultUrl, logger: services.logger });
  return new ExchangeService({
    signer: orgSignerFrom(config.mspId, config.identity.certPath, readKeyPem(config.identity.keyPath)),
    peers: config.exchange.orgs.map((org) => ({
      mspId: org.mspId,
      ...(org.url === undefined ? {} : { url: org.url }),
      ...(org.vaultUrl === undefined ? {} : { vaultUrl: org.vaultUrl }),
      cas: readCaCerts(org.caCertPath),
    })),
    ledger: services.ledger,
    open: (assetType, assetId) =>
      assetType === 'data' ? services.packs.openData(assetId) : services.vault.open(vaultKeyOf(assetType, assetId)),
    transactor: services.transactor,
    ...(handoff.presigned
      ? {
          handoff: {
            ttlSeconds: handoff.ttlSeconds,
            size: (key: string) => services.vault.size(key),
            presign: (key: string, ttlSeconds: number) => signer.presignGet(key, ttlSeconds),
          },
        }
      : {}),
    logger: services.logger.child({ component: 'exchange' }),
    timeoutMs: config.exchange.timeoutMs,
    maxSkewMs: config.exchange.maxSkewSeconds * 1000,
    maxBytes: config.limits.uploadMaxBytes,
    tls: {
      ca: (config.gatewayCAPaths ?? []).map((path) => readFileSync(path, 'utf8')),
      ...(config.tls === undefined
        ? {}
        : { cert: readFileSync(config.tls.certPath, 'utf8'), key: readFileSync(config.tls.keyPath, 'utf8') }),
    },
  });
}

/** A promise with its settling functions (settling again is a no-op). */
function withResolvers<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Passes bytes through, holding the latest chunk back until `release` settles: released when it
 * fulfils, and the stream fails without it when it rejects, so the reader never gets the whole.
 */
export class ReleaseGate extends Transform {
  readonly #release: Promise<unknown>;
  #held: Buffer | undefined;

  constructor(release: Promise<unknown>, options: TransformOptions = {}) {
    super(options);
    this.#release = release;
    release.catch(() => undefined);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    this.#release.then(
      () => {
        callback(null, this.#held);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
