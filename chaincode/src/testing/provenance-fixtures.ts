import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { Contract } from 'fabric-contract-api';

// First, so that its quieter contract-api logging applies before the contracts load.
import { type CollectionConfig, type InvokeOptions, type InvokeResult, MemoryLedger, type MemoryLedgerOptions } from './memory-stub';

import { DataContract } from '../contracts/data';
import { ModelsContract } from '../contracts/models';
import { OutputsContract } from '../contracts/outputs';
import { ProvidersContract } from '../contracts/providers';
import { ReviewsContract } from '../contracts/reviews';
import { TermsContract } from '../contracts/terms';
import type { ModelRecord } from '../ledger/records';
import { Keys } from '../ledger/keys';

/**
 * Building blocks for tests of contracts that sit on provenance: a {@link MemoryLedger} with every
 * provenance contract, request builders, and one-call set-ups (terms → provider → data → sealed
 * model). Deterministic: digests derive from IDs, times from the ledger clock.
 */

/** The consortium's orgs. */
export const Orgs = {
  studio1: 'Studio1MSP',
  studio2: 'Studio2MSP',
  licensor: 'LicensorMSP',
  regulator: 'RegulatorMSP',
} as const;

/** SHA-256 (lowercase hex) of a text, to stand in for content digests. */
export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The private data collections deployed with the chaincode (chaincode/collections_config.json). */
export function loadCollections(): CollectionConfig[] {
  // Two levels up from src/testing or dist/testing is the chaincode folder.
  const file = path.join(__dirname, '..', '..', 'collections_config.json');
  return JSON.parse(readFileSync(file, 'utf8')) as CollectionConfig[];
}

/** A `terms:Publish` request that allows AI training from 2020 on, open-ended. */
export function termsRequest(termsId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    termsId,
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: false,
    territory: 'worldwide',
    validFrom: '2020-01-01T00:00:00Z',
    dataPoolShareBps: 3000,
    legalTextDigest: digestOf(`legal text of ${termsId}`),
    ...overrides,
  };
}

/** One `data:Register` item; its content digest derives from the dataId. */
export function dataItem(
  dataId: string,
  providerId: string,
  termsId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    dataId,
    providerId,
    termsId,
    contentDigest: digestOf(`content of ${dataId}`),
    mediaType: 'image/png',
    size: 1024,
    ...overrides,
  };
}

/** Contract instances by contract name; rights/revenue/market tests can add theirs. */
export interface ContractSet {
  readonly terms: TermsContract;
  readonly providers: ProvidersContract;
  readonly data: DataContract;
  readonly models: ModelsContract;
  readonly outputs: OutputsContract;
  readonly reviews: ReviewsContract;
  readonly [name: string]: Contract;
}

/**
 * A memory ledger with the provenance contracts and shortcuts for common set-ups. Every shortcut is
 * an ordinary `invoke`, so it exercises the same checks as any other transaction.
 */
export class ProvenanceWorld {
  readonly ledger: MemoryLedger;
  readonly contracts: ContractSet;

  constructor(options: MemoryLedgerOptions = {}, extra: Readonly<Record<string, Contract>> = {}) {
    this.ledger = new MemoryLedger({ collections: loadCollections(), ...options });
    this.contracts = {
      terms: new TermsContract(),
      providers: new ProvidersContract(),
      data: new DataContract(),
      models: new ModelsContract(),
      outputs: new OutputsContract(),
      reviews: new ReviewsContract(),
      ...extra,
    };
  }

  /** Runs `<contract>:<fn>` as `mspId` with one argument (objects are sent as sorted-key JSON). */
  invoke(contract: string, fn: string, mspId: string, arg: unknown, opts?: InvokeOptions): Promise<InvokeResult> {
    const target = this.contracts[contract];
    if (target === undefined) throw new Error(`no contract ${contract}`);
    return this.ledger.invoke(target, fn, mspId, [arg], opts);
  }

  /** Publishes terms as the licensor. */
  async publishTerms(termsId: string, overrides: Record<string, unknown> = {}, opts?: InvokeOptions): Promise<InvokeResult> {
    return this.invoke('terms', 'Publish', Orgs.licensor, termsRequest(termsId, overrides), opts);
  }

  /** Registers a provider managed by `mspId`. */
  async registerProvider(providerId: string, mspId: string = Orgs.studio1): Promise<InvokeResult> {
    return this.invoke('providers', 'Register', mspId, { providerId, payoutRefDigest: digestOf(`payout of ${providerId}`) });
  }

  /** Registers data items (one batch) of one provider under one terms. */
  async registerData(dataIds: readonly string[], providerId: string, termsId: string, mspId: string = Orgs.studio1): Promise<InvokeResult> {
    return this.invoke('data', 'RegisterBatch', mspId, { items: dataIds.map((id) => dataItem(id, providerId, termsId)) });
  }

  /** Registers a model owned by `mspId`. */
  async registerModel(modelId: string, mspId: string = Orgs.studio1, baseModelId?: string): Promise<InvokeResult> {
    return this.invoke('models', 'Register', mspId, baseModelId === undefined ? { modelId } : { modelId, baseModelId });
  }

  /** Attests one training batch. */
  async attest(modelId: string, dataIds: readonly string[], mspId: string = Orgs.studio1): Promise<InvokeResult> {
    return this.invoke('models', 'AttestTrainingBatch', mspId, { modelId, dataIds });
  }

  /** Seals a model. */
  async seal(modelId: string, mspId: string = Orgs.studio1): Promise<ModelRecord> {
    return (await this.invoke('models', 'Seal', mspId, { modelId })).result as ModelRecord;
  }

  /**
   * Terms `terms-1` (unless they exist), provider(s), their data, and a sealed model trained on
   * all of it, in batches of `batchSize`. `providers` maps providerId → its dataIds.
   */
  async sealedModel(
    modelId: string,
    providers: Readonly<Record<string, readonly string[]>>,
    opts: { mspId?: string; termsId?: string; batchSize?: number; baseModelId?: string } = {},
  ): Promise<ModelRecord> {
    const mspId = opts.mspId ?? Orgs.studio1;
    const termsId = opts.termsId ?? 'terms-1';
    if (this.ledger.getState(Keys.terms(termsId)) === undefined) await this.publishTerms(termsId);
    for (const [providerId, dataIds] of Object.entries(providers)) {
      if (this.ledger.getState(Keys.provider(providerId)) === undefined) await this.registerProvider(providerId, mspId);
      await this.registerData(dataIds, providerId, termsId, mspId);
    }
    await this.registerModel(modelId, mspId, opts.baseModelId);
    const ids = Object.values(providers)
      .flat()
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const batchSize = opts.batchSize ?? 1000;
    for (let i = 0; i < ids.length; i += batchSize) await this.attest(modelId, ids.slice(i, i + batchSize), mspId);
    return this.seal(modelId, mspId);
  }
}

/**
 * The refusal of a transaction: resolves to its error when `attempt` rejects, and fails the test when
 * it succeeds. Use as `expect((await refusal(p)).message).toMatch(/^FORBIDDEN: /)`.
 */
export async function refusal(attempt: Promise<unknown>): Promise<Error> {
  try {
    await attempt;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the transaction to be refused, but it succeeded');
}
