import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ContractNames as C } from '@kiseki/chaincode/shared/names';
import { constant, retry } from '@kiseki/network/dist/retry';
import {
  ATTESTATION_STATEMENT,
  BUNDLE_FORMAT,
  canonicalJson,
  decodeBlock,
  decodeConfig,
  decodeSignatures,
  headerBytes,
  toBase64,
  toHex,
  type Attestation,
  type AttestationStatement,
  type BlockParts,
  type BundleProof,
  type BundleTransaction,
  type Claim,
  type EvidenceBundle,
} from '@kiseki/verifier';
import { createHash } from 'node:crypto';
import type { ModelRecord } from '@kiseki/chaincode/shared/records';
import { AppError } from '../errors';
import type { ChainReader } from '../fabric/chain';
import type { Ledger } from '../fabric/ledger';
import { ledgerReader, type LedgerReader } from '../ledger/client';
import type { Logger } from '../logger';
import type { ManifestService } from './manifests';

/**
 * Evidence bundles (see the verifier package for the format and the checks): the transactions behind a
 * claim, the blocks holding them as the peer serves them, the config block and the header chain from
 * it, this org's and other orgs' signed attestations that each transaction is VALID, and the proof.
 */

/** Signs attestation statements with the org's application identity. */
export class Attestor {
  readonly #key: KeyObject;

  constructor(
    readonly mspId: string,
    readonly certificate: string,
    privateKeyPem: string | Buffer,
  ) {
    this.#key = createPrivateKey(privateKeyPem);
  }

  sign(statement: AttestationStatement): Attestation {
    const signature = sign('sha256', Buffer.from(canonicalJson(statement), 'utf8'), this.#key);
    return { statement, signer: { mspId: this.mspId, certificate: this.certificate }, signature: signature.toString('base64') };
  }
}

/** The contracts whose records keep a history the evidence points into. */
type Registered = typeof C.data | typeof C.outputs | typeof C.models;

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());
const headerHash = (b: BlockParts): string => toHex(sha256(headerBytes(b.number, b.previousHash, b.dataHash)));

export interface EvidenceDeps {
  ledger: Ledger;
  chain: ChainReader;
  manifests: ManifestService;
  attestor: Attestor;
  /** Public base URLs of other orgs' gateways to ask for attestations. */
  attestors: readonly string[];
  logger: Logger;
  fetch?: typeof fetch;
}

export class EvidenceService {
  /** Headers by block number: blocks never change, so the cache needs no invalidation. */
  readonly #headers = new Map<bigint, { previousHash: string; dataHash: string }>();

  readonly #reader: LedgerReader;

  constructor(private readonly deps: EvidenceDeps) {
    this.#reader = ledgerReader(deps.ledger);
  }

  /**
   * This org's attestation that a transaction is VALID, after checking it on the org's own peer.
   * @throws AppError `NOT_FOUND` for an unknown transaction, `STATE` for one the peer marked invalid.
   */
  async attest(transactionId: string): Promise<Attestation> {
    const { chain } = this.deps;
    const code = await chain.validationCode(transactionId);
    if (code !== 0) throw new AppError('STATE', `transaction ${transactionId} is not valid (validation code ${code})`);
    const block = decodeBlock(await chain.blockByTransactionId(transactionId));
    return this.deps.attestor.sign({
      statement: ATTESTATION_STATEMENT,
      channel: chain.channel,
      chaincode: chain.chaincode,
      transactionId,
      blockNumber: block.number.toString(),
      blockHash: headerHash(block),
      validationCode: 'VALID',
      endorsementPolicy: await chain.endorsementPolicy(),
    });
  }

  /** The config block in force and its header hash, as this org's peer holds it. */
  async anchor(): Promise<{ channel: string; configBlock: string; configBlockHash: string }> {
    const { chain } = this.deps;
    const height = await this.deps.ledger.height();
    const last = decodeBlock(await chain.blockByNumber(height - 1n));
    const configNumber = decodeSignatures(last, []).lastConfig ?? 0n;
    const config = decodeBlock(await chain.blockByNumber(configNumber));
    return { channel: chain.channel, configBlock: configNumber.toString(), configBlockHash: headerHash(config) };
  }

  /** The transaction that registered a record and its block, for references that point into the ledger. */
  async registrationOf(
    contract: Registered,
    id: string,
  ): Promise<{ channel: string; chaincode: string; transactionId: string; blockNumber: string }> {
    const { chain } = this.deps;
    const transactionId = await this.#firstVersion(contract, id);
    const block = decodeBlock(await chain.blockByTransactionId(transactionId));
    return { channel: chain.channel, chaincode: chain.chaincode, transactionId, blockNumber: block.number.toString() };
  }

  /** A bundle for an output: its registration and the seal of every model of its lineage. */
  async forOutput(outputId: string): Promise<EvidenceBundle> {
    const output = await this.#reader.outputs.get(outputId);
    const registered = await this.#firstVersion(C.outputs, outputId);
    const refs: Omit<BundleTransaction, 'blockNumber'>[] = [{ role: 'output', subject: outputId, transactionId: registered }];
    let modelId: string | undefined = output.modelId;
    for (let depth = 0; modelId !== undefined && depth < 64; depth += 1) {
      const seal = await this.#sealOf(modelId);
      refs.push({ role: 'seal', subject: modelId, transactionId: seal.txId });
      modelId = seal.record.baseModelId;
    }
    return this.#bundle({ kind: 'output', outputId, modelId: output.modelId, contentDigest: output.contentDigest }, refs);
  }

  /**
   * A bundle for "data item X is (not) in the training set of model M": the seal, the item's
   * registration when it exists (binding its digest), and the inclusion or exclusion proof.
   */
  async forMembership(modelId: string, dataId: string, contentDigest?: string): Promise<EvidenceBundle> {
    const { manifests } = this.deps;
    const seal = await this.#sealOf(modelId);
    const refs: Omit<BundleTransaction, 'blockNumber'>[] = [{ role: 'seal', subject: modelId, transactionId: seal.txId }];
    let dataTx: string | undefined;
    try {
      dataTx = await this.#firstVersion(C.data, dataId);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error;
    }
    if (dataTx !== undefined) refs.push({ role: 'data', subject: dataId, transactionId: dataTx });
    const { tree } = await manifests.load(modelId);
    let proof: BundleProof;
    let kind: 'inclusion' | 'exclusion';
    if (tree.indexOf(dataId) >= 0) {
      const p = await manifests.inclusion(modelId, dataId);
      proof = { kind: 'inclusion', dataId, root: p.root, treeSize: p.treeSize, leafIndex: p.leafIndex, auditPath: p.auditPath };
      kind = 'inclusion';
    } else {
      const p = await manifests.exclusion(modelId, dataId);
      proof = { kind: 'exclusion', dataId, root: p.root, treeSize: p.treeSize, proof: p.proof };
      kind = 'exclusion';
    }
    const claim: Claim = { kind, modelId, dataId, ...(contentDigest === undefined ? {} : { contentDigest }) };
    return { ...(await this.#bundle(claim, refs)), proof };
  }

  /** The transaction that first wrote a record (its oldest version). */
  async #firstVersion(contract: Registered, id: string): Promise<string> {
    const history = await this.#reader[contract].history(id);
    const first = history.entries[history.entries.length - 1];
    if (first === undefined) throw new AppError('NOT_FOUND', `${id} has no history`);
    return first.txId;
  }

  /** The transaction that sealed a model: its oldest version with status `sealed`. */
  async #sealOf(modelId: string): Promise<{ txId: string; record: ModelRecord }> {
    const history = await this.#reader.models.history(modelId);
    const sealed = history.entries.filter((e) => e.record?.status === 'sealed');
    const seal = sealed[sealed.length - 1];
    if (seal?.record === undefined) throw new AppError('STATE', `model ${modelId} is not sealed`);
    return { txId: seal.txId, record: seal.record };
  }

  async #header(number: bigint): Promise<{ previousHash: string; dataHash: string }> {
    let header = this.#headers.get(number);
    if (header === undefined) {
      const block = decodeBlock(await this.deps.chain.blockByNumber(number));
      header = { previousHash: toHex(block.previousHash), dataHash: toHex(block.dataHash) };
      this.#headers.set(number, header);
    }
    return header;
  }

  async #bundle(claim: Claim, refs: readonly Omit<BundleTransaction, 'blockNumber'>[]): Promise<EvidenceBundle> {
    const { chain } = this.deps;
    const blocks = new Map<string, { bytes: Uint8Array; parts: BlockParts }>();
    const transactions: BundleTransaction[] = [];
    for (const ref of refs) {
      const bytes = await chain.blockByTransactionId(ref.transactionId);
      const parts = decodeBlock(bytes);
      blocks.set(parts.number.toString(), { bytes, parts });
      transactions.push({ ...ref, blockNumber: parts.number.toString() });
    }
    const ordered = [...blocks.values()].sort((a, b) => (a.parts.number < b.parts.number ? -1 : 1));
    const lastBlock = ordered[ordered.length - 1];
    if (lastBlock === undefined) throw new AppError('INTERNAL', 'no transactions for the bundle');
    const configNumber = decodeSignatures(lastBlock.parts, []).lastConfig ?? 0n;
    const configBytes = await chain.blockByNumber(configNumber);
    const config = decodeConfig(decodeBlock(configBytes));
    const headers: EvidenceBundle['headers'] = [];
    for (let n = configNumber; n <= lastBlock.parts.number; n += 1n) headers.push({ number: n.toString(), ...(await this.#header(n)) });
    const attestations = (await Promise.all(transactions.map((t) => this.#attestations(t.transactionId)))).flat();
    return {
      format: BUNDLE_FORMAT,
      claim,
      channel: chain.channel,
      chaincode: chain.chaincode,
      endorsementPolicy: await chain.endorsementPolicy(),
      configBlock: { number: configNumber.toString(), block: toBase64(configBytes) },
      headers,
      blocks: ordered.map((b) => ({ number: b.parts.number.toString(), block: toBase64(b.bytes) })),
      transactions,
      attestations,
      msps: [...config.applicationMsps, ...config.ordererMsps].map((m) => ({
        mspId: m.mspId,
        rootCerts: m.rootCerts,
        intermediateCerts: m.intermediateCerts,
        tlsRootCerts: m.tlsRootCerts,
      })),
      exportedBy: this.deps.attestor.mspId,
      exportedAt: new Date().toISOString(),
    };
  }

  /** This org's attestation and those of the configured other gateways (each retried while its peer catches up). */
  async #attestations(transactionId: string): Promise<Attestation[]> {
    const own = await this.attest(transactionId);
    const fetchImpl = this.deps.fetch ?? fetch;
    const others = await Promise.all(
      this.deps.attestors.map(async (base) => {
        // 404 while the attestor's peer has not committed the block yet: asked again, 10 times in all.
        const url = `${base.replace(/\/$/, '')}/v1/public/attestations/${transactionId}`;
        try {
          const res = await retry(() => fetchImpl(url, { signal: AbortSignal.timeout(5_000) }), {
            attempts: 10,
            delay: constant(300),
            retryIf: (o) => o.ok && o.value.status === 404,
          });
          if (res.ok) return (await res.json()) as Attestation;
          if (res.status === 404) {
            this.deps.logger.warn('attestor does not know the transaction', { attestor: base, transactionId });
            return undefined;
          }
          throw new Error(`HTTP ${res.status}`);
        } catch (error) {
          this.deps.logger.warn('attestation not obtained', { attestor: base, transactionId, error: String(error) });
          return undefined;
        }
      }),
    );
    return [own, ...others.filter((a): a is Attestation => a !== undefined)];
  }
}
