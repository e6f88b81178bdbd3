import { createHash } from 'node:crypto';

import type { Contract } from 'fabric-contract-api';

import { DataContract } from '../contracts/data';
import { MarketContract } from '../contracts/market';
import { ModelsContract } from '../contracts/models';
import { OutputsContract } from '../contracts/outputs';
import { ProvidersContract } from '../contracts/providers';
import { RevenueContract } from '../contracts/revenue';
import { RightsContract } from '../contracts/rights';
import { TermsContract } from '../contracts/terms';
import { Keys } from '../ledger/keys';

import { type InvokeOptions, type InvokeResult, MemoryLedger } from './memory-stub';

/**
 * A consortium on a {@link MemoryLedger} with every contract, and shortcuts to build the provenance
 * that rights and royalties rest on (terms, providers, data, trained and sealed models, outputs).
 */

export const STUDIO1 = 'Studio1MSP';
export const STUDIO2 = 'Studio2MSP';
export const LICENSOR = 'LicensorMSP';
export const REGULATOR = 'RegulatorMSP';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class RoyaltyWorld {
  readonly ledger: MemoryLedger;
  readonly terms = new TermsContract();
  readonly providers = new ProvidersContract();
  readonly data = new DataContract();
  readonly models = new ModelsContract();
  readonly outputs = new OutputsContract();
  readonly rights = new RightsContract();
  readonly revenue = new RevenueContract();
  readonly market = new MarketContract();

  constructor(ledger = new MemoryLedger()) {
    this.ledger = ledger;
  }

  /** Invokes a transaction and returns its parsed result. */
  async call<T = Record<string, unknown>>(contract: Contract, fn: string, mspId: string, arg: unknown, opts?: InvokeOptions): Promise<T> {
    return (await this.ledger.invoke(contract, fn, mspId, [arg], opts)).result as T;
  }

  /** Invokes a transaction and returns the whole outcome (event, write set). */
  invoke(contract: Contract, fn: string, mspId: string, arg: unknown, opts?: InvokeOptions): Promise<InvokeResult> {
    return this.ledger.invoke(contract, fn, mspId, [arg], opts);
  }

  /** Publishes terms allowing AI training, with the given data-pool share. */
  async publishTerms(termsId: string, dataPoolShareBps: number, validUntil?: string): Promise<void> {
    await this.call(this.terms, 'Publish', LICENSOR, {
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: false,
      territory: 'worldwide',
      validFrom: '2024-01-01T00:00:00Z',
      validUntil,
      dataPoolShareBps,
      legalTextDigest: sha256(`terms ${termsId}`),
    });
  }

  async registerProvider(providerId: string, managingMsp = STUDIO1): Promise<void> {
    await this.call(this.providers, 'Register', managingMsp, { providerId, payoutRefDigest: sha256(`payout ${providerId}`) });
  }

  /**
   * Registers a model and trains it on `items[providerId]` items of each provider (registered on the
   * fly, managed by `owner`), then seals it unless `seal` is false.
   */
  async trainModel(
    modelId: string,
    items: Readonly<Record<string, number>>,
    opts: { termsId: string; owner?: string; baseModelId?: string; seal?: boolean },
  ): Promise<void> {
    const owner = opts.owner ?? STUDIO1;
    await this.call(this.models, 'Register', owner, { modelId, baseModelId: opts.baseModelId });
    const dataIds: string[] = [];
    for (const [providerId, count] of Object.entries(items)) {
      if (this.ledger.getState(Keys.provider(providerId)) === undefined) await this.registerProvider(providerId, owner);
      const batch = Array.from({ length: count }, (_, i) => {
        const dataId = `${modelId}.${providerId}.${String(i).padStart(6, '0')}`;
        dataIds.push(dataId);
        return { dataId, providerId, termsId: opts.termsId, contentDigest: sha256(dataId), mediaType: 'image/png', size: 1024 };
      });
      for (let i = 0; i < batch.length; i += 1000) await this.call(this.data, 'RegisterBatch', owner, { items: batch.slice(i, i + 1000) });
    }
    dataIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < dataIds.length; i += 1000) {
      await this.call(this.models, 'AttestTrainingBatch', owner, { modelId, dataIds: dataIds.slice(i, i + 1000) });
    }
    if (opts.seal ?? true) await this.call(this.models, 'Seal', owner, { modelId });
  }

  async registerOutput(outputId: string, modelId: string, owner = STUDIO1, grantId?: string): Promise<void> {
    await this.call(this.outputs, 'Register', owner, {
      outputId,
      modelId,
      contentDigest: sha256(`output ${outputId}`),
      mediaType: 'image/png',
      rightsIds: [],
      grantId,
    });
  }

  /**
   * Sells a licence on a sealed model to `buyer` through the market: the model's owner offers it
   * (under terms `lic-terms`, published on first use) and the buyer purchases it as `purchaseId`.
   */
  async licenceModel(modelId: string, buyer: string, purchaseId: string, price = '1000', currency = 'JPY'): Promise<void> {
    const model = this.ledger.getJson(Keys.model(modelId)) as { ownerMsp: string } | undefined;
    if (model === undefined) throw new Error(`no model ${modelId}`);
    if (this.ledger.getState(Keys.terms('lic-terms')) === undefined) await this.publishTerms('lic-terms', 0);
    const offerId = `offer-${purchaseId}`;
    await this.call(this.market, 'Offer', model.ownerMsp, {
      offerId,
      subjectType: 'model',
      subjectId: modelId,
      termsId: 'lic-terms',
      price,
      currency,
    });
    await this.call(this.market, 'Purchase', buyer, { offerId, purchaseId });
  }
}
