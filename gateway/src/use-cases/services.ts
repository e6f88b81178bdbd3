import type { AuditReader } from '../indexer/audit';
import type { BlockIndexer } from '../indexer/listener';
import type { GatewayConfig } from '../config';
import type { ExchangeService } from '../exchange/exchange';
import { PackStore } from '../vault/packs';
import { BATCH_SUBMIT_SLOTS, Slots } from './batch-register';
import { SlabPool } from './slab-pool';
import { SseRegistry } from '../events/sse';
import type { Resolver } from '../events/webhook-targets';
import type { LimitSettings } from '../http/limits';
import { WebhookService, type WebhookOptions } from '../events/webhooks';
import type { Ledger } from '../fabric/ledger';
import { ledgerReader, type LedgerReader } from '../ledger/client';
import { IdempotencyGuard } from '../http/idempotency';
import { RateLimiter } from '../http/rate-limit';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { LeaseStore } from '../store/leases';
import type { DocumentStore } from '../store/store';
import type { Vault } from '../vault/vault';
import type { ContentSigner } from '../credentials/c2pa';
import type { BlockBrowser } from './blocks';
import type { EvidenceService } from './evidence';
import { ManifestService } from './manifests';
import { Transactor } from './transactor';

/** Settings the use cases and routes read (a subset of the config, so tests can build it by hand). */
export interface ServiceSettings {
  mspId: string;
  uploadMaxBytes: number;
  jsonMaxBytes: number;
  presignTtlSeconds: number;
  sseHeartbeatMs: number;
  /** An event stream whose unsent bytes pass this is closed with a `resume` event. */
  sseMaxBufferedBytes?: number;
  /** How long an event-stream client may take to drain before it is closed with a `resume` event. */
  sseSlowClientMs?: number;
}

/** The unauthenticated verification surface: on or off, its rate limiter, and the attesting gateways. */
export interface PublicVerificationOptions {
  enabled: boolean;
  requestsPerMinute: number;
  burst: number;
  attestors: readonly string[];
}

export interface PublicVerification {
  enabled: boolean;
  limiter: RateLimiter;
  attestors: readonly string[];
}

/** Everything a route handler may use; built once in main.ts (or by a test with fakes). */

export interface Services {
  settings: ServiceSettings;
  /** The raw ledger: heights, events, transaction status. Contract calls go through {@link reader} and the transactor's client. */
  ledger: Ledger;
  /** Typed reads of the contracts (answers parsed against their schemas). */
  reader: LedgerReader;
  vault: Vault;
  store: DocumentStore;
  transactor: Transactor;
  manifests: ManifestService;
  idempotency: IdempotencyGuard;
  webhooks: WebhookService;
  sse: SseRegistry;
  metrics: Metrics;
  logger: Logger;
  publicVerification: PublicVerification;
  /** Evidence bundles and attestations; present when the gateway holds a Fabric connection and identity. */
  evidence?: EvidenceService;
  /** Data items kept in packs (batch uploads). */
  packs: PackStore;
  /** Batch transactions (`data:RegisterBatch`) this gateway has at the ledger at once, over all requests. */
  batchSlots: Slots;
  /** Memory the batch route copies item bytes into until their pack is written (see slab-pool.ts). */
  batchSlabs: SlabPool;
  /** Blocks and their transactions, read through the org's peer. */
  blocks?: BlockBrowser;
  /** The org's content-credentials signer (C2PA), when configured. */
  contentSigner?: ContentSigner;
  /** Content exchange with other orgs' gateways, when configured. */
  exchange?: ExchangeService;
  /** The audit API's reads of the org's index, when the gateway has a database. */
  audit?: AuditReader;
  /** The block listener feeding the index, when this gateway runs one. */
  indexer?: BlockIndexer;
}

export function settingsFrom(config: GatewayConfig): ServiceSettings {
  return {
    mspId: config.mspId,
    uploadMaxBytes: config.limits.uploadMaxBytes,
    jsonMaxBytes: config.limits.jsonMaxBytes,
    presignTtlSeconds: config.vault.presignTtlSeconds,
    sseHeartbeatMs: 15_000,
    sseMaxBufferedBytes: config.limits.sseMaxBufferedBytes,
    sseSlowClientMs: config.limits.sseSlowClientMs,
  };
}

export function limitsFrom(config: GatewayConfig): LimitSettings {
  const l = config.limits;
  return {
    enabled: l.perKey,
    ratePerSecond: l.ratePerSecond,
    burst: l.burst,
    concurrentPerKey: l.concurrentPerKey,
    streamsPerKey: l.streamsPerKey,
    uploadsPerKey: l.uploadsPerKey,
    uploadsPerGateway: l.uploadsPerGateway,
  };
}

export function webhookOptionsFrom(config: GatewayConfig): WebhookOptions {
  return { ...config.webhooks };
}

/** Wires the use-case objects around the adapters. */
export function buildServices(parts: {
  settings: ServiceSettings;
  ledger: Ledger;
  vault: Vault;
  store: DocumentStore;
  /** Webhook leases shared by the org's replicas (with a database); in-process otherwise. */
  leases?: LeaseStore;
  metrics: Metrics;
  logger: Logger;
  webhookOptions?: WebhookOptions;
  publicVerification?: PublicVerificationOptions;
  /** Name resolution for webhook targets (tests inject one that never leaves the machine). */
  resolve?: Resolver;
}): Services {
  const { webhookOptions, publicVerification, resolve, leases, ...adapters } = parts;
  const surface = publicVerification ?? { enabled: false, requestsPerMinute: 120, burst: 30, attestors: [] };
  const reader = ledgerReader(parts.ledger);
  return {
    ...adapters,
    publicVerification: {
      enabled: surface.enabled,
      limiter: new RateLimiter(surface.requestsPerMinute, surface.burst),
      attestors: surface.attestors,
    },
    reader,
    transactor: new Transactor(parts.ledger, parts.store, parts.metrics, parts.logger),
    manifests: new ManifestService(reader, parts.vault, parts.logger),
    idempotency: new IdempotencyGuard(parts.store),
    webhooks: new WebhookService(
      {
        ledger: parts.ledger,
        store: parts.store,
        logger: parts.logger,
        metrics: parts.metrics,
        ...(resolve === undefined ? {} : { resolve }),
        ...(leases === undefined ? {} : { leases }),
      },
      webhookOptions,
    ),
    sse: new SseRegistry(),
    packs: new PackStore(parts.vault, parts.logger),
    batchSlots: new Slots(BATCH_SUBMIT_SLOTS),
    batchSlabs: new SlabPool(),
  };
}
