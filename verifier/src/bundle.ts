import type { ExclusionProof } from './merkle';

/**
 * An evidence bundle: everything a third party needs to check a claim about an output or a training
 * set offline — the blocks holding the transactions, the channel's config block and the chain of block
 * headers from it, organisations' attestations that each transaction was validated, and the RFC 6962
 * proof. Binary parts are base64 exactly as the peers returned them.
 */
export const BUNDLE_FORMAT = 'kiseki-evidence/1';
export const ATTESTATION_STATEMENT = 'kiseki/tx-valid/v1';

export type Claim =
  | { kind: 'output'; outputId: string; modelId: string; contentDigest: string }
  | { kind: 'inclusion' | 'exclusion'; modelId: string; dataId: string; contentDigest?: string };

export interface BundleTransaction {
  /** `output`: registered the output; `seal`: sealed a model of the lineage; `data`: registered a data item. */
  role: 'output' | 'seal' | 'data';
  /** The output, model or data item the transaction wrote. */
  subject: string;
  transactionId: string;
  blockNumber: string;
}

/** What an organisation signs: "transaction T in block B (header hash H) is VALID". */
export interface AttestationStatement {
  statement: typeof ATTESTATION_STATEMENT;
  channel: string;
  chaincode: string;
  transactionId: string;
  blockNumber: string;
  blockHash: string;
  validationCode: string;
  endorsementPolicy: string;
}

export interface Attestation {
  statement: AttestationStatement;
  signer: { mspId: string; certificate: string };
  /** Base64 DER ECDSA signature over the canonical JSON of the statement. */
  signature: string;
}

export type BundleProof =
  | { kind: 'inclusion'; dataId: string; root: string; treeSize: number; leafIndex: number; auditPath: string[] }
  | { kind: 'exclusion'; dataId: string; root: string; treeSize: number; proof: ExclusionProof };

export interface BundleMsp {
  mspId: string;
  rootCerts: string[];
  intermediateCerts: string[];
  tlsRootCerts: string[];
}

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  claim: Claim;
  channel: string;
  chaincode: string;
  /** The chaincode's endorsement policy, e.g. `OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')`. */
  endorsementPolicy: string;
  configBlock: { number: string; block: string };
  /** Headers from the config block to the last block of the bundle, one per block, in order. */
  headers: { number: string; previousHash: string; dataHash: string }[];
  blocks: { number: string; block: string }[];
  transactions: BundleTransaction[];
  attestations: Attestation[];
  proof?: BundleProof;
  /** A readable copy of the MSPs in the config block (root and TLS certificates); checked against it. */
  msps: BundleMsp[];
  exportedBy: string;
  exportedAt: string;
}
