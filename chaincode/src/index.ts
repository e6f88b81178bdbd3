import type { Contract } from 'fabric-contract-api';

import { AccessContract } from './contracts/access';
import { DataContract } from './contracts/data';
import { MarketContract } from './contracts/market';
import { ModelsContract } from './contracts/models';
import { OutputsContract } from './contracts/outputs';
import { ProvidersContract } from './contracts/providers';
import { RevenueContract } from './contracts/revenue';
import { ReviewsContract } from './contracts/reviews';
import { RightsContract } from './contracts/rights';
import { TermsContract } from './contracts/terms';

/**
 * Kiseki's chaincode: the contracts fabric-chaincode-node serves (`fabric-chaincode-node start` loads
 * this module's `contracts`). Clients call `<contract>:<transaction>`; names are in shared/names.ts.
 */

export {
  AccessContract,
  DataContract,
  MarketContract,
  ModelsContract,
  OutputsContract,
  ProvidersContract,
  RevenueContract,
  ReviewsContract,
  RightsContract,
  TermsContract,
};

export const contracts: (new () => Contract)[] = [
  // Provenance: licence terms, providers, training data, models and their manifests, outputs.
  TermsContract,
  ProvidersContract,
  DataContract,
  ModelsContract,
  OutputsContract,
  // Rights, royalties and market.
  RightsContract,
  RevenueContract,
  MarketContract,
  // Quality reviews of outputs and data items.
  ReviewsContract,
  // Content exchange between orgs.
  AccessContract,
];
