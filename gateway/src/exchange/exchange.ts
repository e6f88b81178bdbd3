import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ContractNames, Transactions } from '@kiseki/chaincode/shared/names';
import type { Principal } from '../auth';
import type { GatewayConfig } from '../config';
import { AppError, type AppErrorCode, AppErrorCodes } from '../errors';
import type { Ledger } from '../fabric/ledger';
import type { Logger } from '../logger';
import type { Services } from '../use-cases/services';
import type { Transactor } from '../use-cases/transactor';
import type { Vault } from '../vault/vault';
import { newOrgSigner, type OrgSigner, signRequest, verifyRequest } from './signing';

/**
 * Content exchange between org gateways. The requesting gateway asks its own peer whether its org
 * may obtain the asset (`access:Entitlement`), asks the holder org's gateway for the bytes with a
 * request signed by its org's Fabric identity, re-hashes them and compares with the ledger digest
 * before handing anything to its client. The holder's gateway checks the signature against the
 * requesting org's CA, records the access on its own peer (`access:Record`, which judges the
 * entitlement again) and only then streams the bytes out of its own vault.
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
}

export interface ExchangeOptions {
  readonly signer: OrgSigner;
  readonly peers: readonly ExchangePeer[];
  readonly ledger: Ledger;
  readonly vault: Vault;
  readonly transactor: Transactor;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly maxSkewMs: number;
  /** Largest content accepted from another org. */
  readonly maxBytes: number;
  readonly fetch?: typeof fetch;
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

/** Content obtained from another org, checked against the ledger digest. */
export interface ObtainedContent {
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly digest: string;
  readonly holderMsp: string;
  readonly accessId: string;
  readonly rule: string;
  readonly grantId?: string;
}

const EXCHANGE_PRINCIPAL_PREFIX = 'exchange:';

export class ExchangeService {
  readonly #o: ExchangeOptions;
  readonly #cas: ReadonlyMap<string, readonly X509Certificate[]>;
  readonly #fetch: typeof fetch;

  constructor(options: ExchangeOptions) {
    this.#o = options;
    this.#cas = new Map(options.peers.map((p) => [p.mspId, p.cas]));
    this.#fetch = options.fetch ?? fetch;
  }

  get mspId(): string {
    return this.#o.signer.mspId;
  }

  /**
   * Obtains another org's content for this org: entitlement on this org's peer, the bytes from the
   * holder's gateway, their SHA-256 checked against the ledger. Nothing is returned unless it matches.
   * @throws AppError `FORBIDDEN`/`STATE` when not entitled; `UNAVAILABLE` (503) naming the holder
   *   when its gateway does not answer; `DIGEST_MISMATCH` (502) naming the asset and the holder;
   *   the holder's own refusal otherwise.
   */
  async obtain(assetType: ExchangeAssetType, assetId: string, grantId?: string): Promise<ObtainedContent> {
    const entitlement = await this.#entitlement(this.mspId, assetType, assetId, grantId);
    const holder = entitlement.holderMsp;
    if (!entitlement.allowed) {
      const code: AppErrorCode = entitlement.code === 'STATE' ? 'STATE' : 'FORBIDDEN';
      throw new AppError(code, `${this.mspId} may not obtain ${assetType} ${assetId} from ${holder}: ${entitlement.reason ?? 'not entitled'}`);
    }
    const expected = entitlement.contentDigest;
    if (expected === undefined) throw new AppError('INTERNAL', `the ledger holds no digest for ${assetType} ${assetId}`);
    const peer = this.#o.peers.find((p) => p.mspId === holder);
    if (peer?.url === undefined) throw new AppError('UNAVAILABLE', `no gateway of ${holder} is configured: its ${assetType} ${assetId} cannot be obtained`);
    const pathAndQuery = `${exchangePath(assetType, assetId)}${grantId === undefined ? '' : `?grantId=${encodeURIComponent(grantId)}`}`;
    const headers = signRequest(this.#o.signer, { method: 'GET', pathAndQuery, toMsp: holder });
    let response: globalThis.Response;
    try {
      response = await this.#fetch(`${peer.url.replace(/\/$/, '')}${pathAndQuery}`, { headers, signal: AbortSignal.timeout(this.#o.timeoutMs) });
    } catch (error) {
      throw new AppError('UNAVAILABLE', `the gateway of ${holder} does not answer; ${assetType} ${assetId} cannot be obtained now`, { cause: error, headers: { 'Retry-After': '5' } });
    }
    if (response.status !== 200) throw await holderRefusal(response, holder, assetType, assetId);
    const { bytes, digest } = await readHashed(response, this.#o.maxBytes, holder, assetType, assetId);
    if (digest !== expected) {
      this.#o.logger.warn('content from another org does not match the ledger digest', { holder, assetType, assetId, expected, digest });
      throw new AppError('DIGEST_MISMATCH', `${assetType} ${assetId} served by ${holder} does not match its ledger digest (expected ${expected}, got ${digest}); nothing was handed on`);
    }
    const grant = response.headers.get('x-kiseki-grant-id');
    return {
      bytes,
      digest,
      mediaType: response.headers.get('content-type') ?? 'application/octet-stream',
      holderMsp: holder,
      accessId: response.headers.get('x-kiseki-access-id') ?? '',
      rule: response.headers.get('x-kiseki-rule') ?? entitlement.rule ?? '',
      ...(grant === null ? {} : { grantId: grant }),
    };
  }

  /** Sends obtained content to this gateway's client. */
  static send(res: Response, content: ObtainedContent): void {
    res.status(200).set({
      'content-type': content.mediaType,
      'content-length': String(content.bytes.length),
      'x-content-sha256': content.digest,
      'x-kiseki-holder': content.holderMsp,
      'x-kiseki-access-id': content.accessId,
      'x-kiseki-rule': content.rule,
      ...(content.grantId === undefined ? {} : { 'x-kiseki-grant-id': content.grantId }),
    });
    res.end(content.bytes);
  }

  /**
   * Serves this org's content to another org's gateway: checks its signature, records the access
   * on the ledger (which refuses an org that is not entitled), then streams the bytes from the vault.
   * @throws AppError `UNAUTHENTICATED` for a request not signed by a known org; `NOT_FOUND` when the
   *   bytes are not in this vault; the ledger's refusal (`FORBIDDEN`, `STATE`, `NOT_FOUND`).
   */
  async serve(
    request: { method: string; pathAndQuery: string; header: (name: string) => string | undefined; requestId: string },
    asset: { assetType: ExchangeAssetType; assetId: string; grantId?: string },
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
    const key = vaultKeyOf(asset.assetType, asset.assetId);
    if (!(await this.#o.vault.exists(key))) throw new AppError('NOT_FOUND', `${this.mspId} does not hold the content of ${asset.assetType} ${asset.assetId}`);
    const principal: Principal = { clientId: `${EXCHANGE_PRINCIPAL_PREFIX}${verdict.mspId}`, role: 'auditor' };
    const recorded = await this.#o.transactor.submit(principal, request.requestId, ContractNames.access, Transactions.access.Record, {
      requesterMsp: verdict.mspId,
      assetType: asset.assetType,
      assetId: asset.assetId,
      ...(asset.grantId === undefined ? {} : { grantId: asset.grantId }),
    });
    const access = recorded.result as { accessId?: string; rule?: string; grantId?: string };
    const { url } = await this.#o.vault.presignGet(key, 60);
    let upstream: globalThis.Response;
    try {
      upstream = await this.#fetch(url);
    } catch (error) {
      throw new AppError('UNAVAILABLE', 'the vault does not answer', { cause: error });
    }
    if (upstream.status !== 200 || upstream.body === null) throw new AppError('UNAVAILABLE', `the vault answered ${upstream.status}`);
    res.status(200).set({
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
      ...(upstream.headers.get('content-length') === null ? {} : { 'content-length': upstream.headers.get('content-length') as string }),
      'x-kiseki-access-id': access.accessId ?? recorded.transactionId,
      'x-kiseki-rule': access.rule ?? '',
      ...(access.grantId === undefined ? {} : { 'x-kiseki-grant-id': access.grantId }),
    });
    await pipeline(Readable.fromWeb(upstream.body), res);
  }

  async #entitlement(requesterMsp: string, assetType: ExchangeAssetType, assetId: string, grantId?: string): Promise<Entitlement> {
    const query = JSON.stringify({ requesterMsp, assetType, assetId, ...(grantId === undefined ? {} : { grantId }) });
    return (await this.#o.ledger.evaluate(ContractNames.access, Transactions.access.Entitlement, [query])) as Entitlement;
  }
}

/** The holder's refusal as this gateway's error, naming the holder. */
async function holderRefusal(response: globalThis.Response, holder: string, assetType: string, assetId: string): Promise<AppError> {
  let code: string | undefined;
  let message = `answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    if (body.error?.message !== undefined) message = body.error.message;
  } catch {
    // not a JSON error body
  }
  const text = `the gateway of ${holder} refused ${assetType} ${assetId}: ${message}`;
  if (response.status >= 500) return new AppError('UNAVAILABLE', text, { headers: { 'Retry-After': '5' } });
  if (code !== undefined && code in AppErrorCodes && code !== 'UNAUTHENTICATED') return new AppError(code as AppErrorCode, text);
  return new AppError('FORBIDDEN', text);
}

/** Reads a body whole while hashing it, refusing more than `maxBytes`. */
async function readHashed(response: globalThis.Response, maxBytes: number, holder: string, assetType: string, assetId: string): Promise<{ bytes: Buffer; digest: string }> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (response.body !== null) {
      for await (const chunk of response.body) {
        const buf = Buffer.from(chunk as Uint8Array);
        size += buf.length;
        if (size > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `${assetType} ${assetId} from ${holder} is larger than ${maxBytes} bytes`);
        hash.update(buf);
        chunks.push(buf);
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('UNAVAILABLE', `the gateway of ${holder} broke off while sending ${assetType} ${assetId}`, { cause: error });
  }
  return { bytes: Buffer.concat(chunks, size), digest: hash.digest('hex') };
}

/** Reads an org's CA certificates from a PEM file or every `.pem` file of a directory (a Fabric MSP's `cacerts/`). */
export function readCaCerts(path: string): X509Certificate[] {
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.pem')).sort().map((f) => join(path, f)) : [path];
  return files.map((file) => new X509Certificate(readFileSync(file)));
}

/** The CA directory of a Fabric identity: `<msp>/cacerts` beside `<msp>/signcerts/cert.pem`. */
export const caDirOfIdentity = (certPath: string): string => join(dirname(dirname(certPath)), 'cacerts');

/** A PEM key file, or the single key file of a directory (a Fabric MSP's `keystore/`). */
function readKeyPem(path: string): string {
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
  config: Pick<GatewayConfig, 'mspId' | 'identity' | 'exchange' | 'limits'>,
  services: Pick<Services, 'ledger' | 'vault' | 'transactor' | 'logger'>,
): ExchangeService | undefined {
  if (config.exchange === undefined) return undefined;
  return new ExchangeService({
    signer: orgSignerFrom(config.mspId, config.identity.certPath, readKeyPem(config.identity.keyPath)),
    peers: config.exchange.orgs.map((org) => ({ mspId: org.mspId, ...(org.url === undefined ? {} : { url: org.url }), cas: readCaCerts(org.caCertPath) })),
    ledger: services.ledger,
    vault: services.vault,
    transactor: services.transactor,
    logger: services.logger.child({ component: 'exchange' }),
    timeoutMs: config.exchange.timeoutMs,
    maxSkewMs: config.exchange.maxSkewSeconds * 1000,
    maxBytes: config.limits.uploadMaxBytes,
  });
}
