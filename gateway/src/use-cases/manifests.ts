import { createHash } from 'node:crypto';
import {
  encodeProof,
  isExclusionProof,
  leafHash,
  MerkleTree,
  verifyExclusion,
  verifyInclusion,
  type ExclusionProof,
} from '@kiseki/chaincode/shared/merkle';
import type { ModelRecord } from '@kiseki/chaincode/shared/records';
import { AppError } from '../errors';
import type { LedgerReader } from '../ledger/client';
import type { Logger } from '../logger';
import type { Vault } from '../vault/vault';
import { pageAll } from './paging';

/**
 * Training manifests and the proofs served from them. A sealed model's manifest (its training dataIds in
 * ascending byte order) is kept in the vault under a content address — its RFC 6962 root,
 * `manifests/<root>.json` — and every use checks it against the root on the ledger, so neither a
 * tampered vault nor the gateway's own arithmetic has to be trusted. A missing manifest is rebuilt
 * from the ledger's training index.
 */

export interface Manifest {
  algorithm: 'RFC6962-SHA256';
  modelId: string;
  root: string;
  size: number;
  ids: string[];
}

export const manifestKey = (root: string): string => `manifests/${root}.json`;

export interface InclusionProofView {
  modelId: string;
  dataId: string;
  algorithm: 'RFC6962-SHA256';
  root: string;
  treeSize: number;
  leafIndex: number;
  leafHash: string;
  auditPath: string[];
  /** Checked here against the on-chain root, and by the peer (`models:VerifyInclusion`). */
  verified: true;
}

export interface ExclusionProofView {
  modelId: string;
  dataId: string;
  algorithm: 'RFC6962-SHA256';
  root: string;
  treeSize: number;
  proof: ExclusionProof;
  /** Checked here against the on-chain root, and by the peer (`models:VerifyExclusion`). */
  verified: true;
}

export class ManifestService {
  /** Trees of recently used manifests, by root (building one costs a hash per leaf). */
  readonly #trees = new Map<string, MerkleTree>();
  /**
   * Recently loaded manifests with their checked trees, by root, and the loads under way: a large
   * model's manifest is read, parsed and checked once, however many callers ask for it at once.
   */
  readonly #loaded = new Map<string, { manifest: Manifest; tree: MerkleTree }>();
  readonly #loading = new Map<string, Promise<{ manifest: Manifest; tree: MerkleTree }>>();

  constructor(
    private readonly ledger: LedgerReader,
    private readonly vault: Vault,
    private readonly logger: Logger,
    private readonly cacheSize = 8,
  ) {}

  /** Reads a model and requires a frozen training root. */
  async sealedModel(modelId: string): Promise<ModelRecord & { trainingRoot: string }> {
    const model = await this.ledger.models.get(modelId);
    const { trainingRoot } = model;
    if (trainingRoot === undefined) throw new AppError('STATE', `model ${modelId} is not sealed: it has no training root yet`);
    return { ...model, trainingRoot };
  }

  /** The training dataIds of a model, read page by page from the ledger. */
  async idsFromLedger(modelId: string): Promise<string[]> {
    return pageAll<string>(async (bookmark) => {
      const page = await this.ledger.models.listTrainingIds({ modelId, pageSize: 1000, bookmark });
      return { items: page.ids, bookmark: page.bookmark };
    });
  }

  /**
   * Builds a tree from `ids` and requires its root to be the model's on-chain root.
   * @throws AppError `INVALID` when they differ.
   */
  #checkedTree(ids: readonly string[], root: string, size: number): MerkleTree {
    const tree = MerkleTree.fromSortedIds(ids);
    if (tree.rootHex() !== root || tree.size !== size) {
      throw new AppError('INVALID', `these ids do not reproduce the on-chain training root ${root} (size ${size})`);
    }
    return tree;
  }

  /**
   * Stores the manifest of a sealed model, from `ids` when given (checked against the root) or from the
   * ledger. Idempotent: the key is the root.
   */
  async store(modelId: string, ids?: readonly string[]): Promise<{ key: string; root: string; size: number; sha256: string }> {
    const model = await this.sealedModel(modelId);
    const list = ids ?? (await this.idsFromLedger(modelId));
    const tree = this.#checkedTree(list, model.trainingRoot, model.trainingSize);
    const manifest: Manifest = { algorithm: 'RFC6962-SHA256', modelId, root: model.trainingRoot, size: tree.size, ids: [...list] };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const key = manifestKey(model.trainingRoot);
    await this.vault.put(key, bytes, 'application/json');
    this.#remember(model.trainingRoot, tree);
    return { key, root: model.trainingRoot, size: tree.size, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  /** The manifest of a sealed model, checked against the ledger; rebuilt from the ledger when absent. */
  async load(modelId: string): Promise<{ manifest: Manifest; tree: MerkleTree }> {
    const model = await this.sealedModel(modelId);
    const root = model.trainingRoot;
    const cached = this.#loaded.get(root);
    if (cached !== undefined && cached.tree.size === model.trainingSize) return cached;
    let pending = this.#loading.get(root);
    if (pending === undefined) {
      pending = this.#read(modelId, model).finally(() => this.#loading.delete(root));
      this.#loading.set(root, pending);
    }
    const loaded = await pending;
    this.#loaded.delete(root);
    this.#loaded.set(root, loaded);
    while (this.#loaded.size > this.cacheSize) this.#loaded.delete(this.#loaded.keys().next().value as string);
    return loaded;
  }

  async #read(modelId: string, model: { trainingRoot: string; trainingSize: number }): Promise<{ manifest: Manifest; tree: MerkleTree }> {
    const root = model.trainingRoot;
    const bytes = await this.vault.get(manifestKey(root));
    let manifest: Manifest | undefined;
    if (bytes !== undefined) {
      manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    } else {
      this.logger.info('manifest missing from the vault; rebuilding it from the ledger', { modelId, root });
      await this.store(modelId);
      manifest = JSON.parse(((await this.vault.get(manifestKey(root))) ?? Buffer.from('{}')).toString('utf8')) as Manifest;
    }
    let tree = this.#trees.get(root);
    if (tree === undefined) {
      tree = this.#checkedTree(manifest.ids, root, model.trainingSize);
      this.#remember(root, tree);
    }
    return { manifest, tree };
  }

  #remember(root: string, tree: MerkleTree): void {
    this.#trees.delete(root);
    this.#trees.set(root, tree);
    while (this.#trees.size > this.cacheSize) this.#trees.delete(this.#trees.keys().next().value as string);
  }

  /**
   * RFC 6962 inclusion proof of `dataId` in the model's training set.
   * @throws AppError `NOT_FOUND` when the dataId was not used (ask for an exclusion proof).
   */
  async inclusion(modelId: string, dataId: string): Promise<InclusionProofView> {
    const { manifest, tree } = await this.load(modelId);
    const index = tree.indexOf(dataId);
    if (index < 0) throw new AppError('NOT_FOUND', `${dataId} is not in the training set of ${modelId}; ask for an exclusion proof`);
    const path = tree.inclusionProof(index);
    const leaf = leafHash(dataId);
    if (!verifyInclusion(leaf, index, tree.size, path, Buffer.from(manifest.root, 'hex'))) {
      throw new AppError('INTERNAL', 'the inclusion proof does not verify against the on-chain root');
    }
    const auditPath = encodeProof(path);
    await this.#peerAgrees(this.ledger.models.verifyInclusion({ modelId, dataId, index, path: auditPath }));
    return {
      modelId,
      dataId,
      algorithm: 'RFC6962-SHA256',
      root: manifest.root,
      treeSize: tree.size,
      leafIndex: index,
      leafHash: leaf.toString('hex'),
      auditPath,
      verified: true,
    };
  }

  /**
   * Proof that `dataId` is not in the model's training set: its would-be neighbours, adjacent leaves
   * with their inclusion proofs.
   * @throws AppError `CONFLICT` when the dataId is in the set.
   */
  async exclusion(modelId: string, dataId: string): Promise<ExclusionProofView> {
    const { manifest, tree } = await this.load(modelId);
    if (tree.indexOf(dataId) >= 0)
      throw new AppError('CONFLICT', `${dataId} is in the training set of ${modelId}; ask for an inclusion proof`);
    const proof = tree.exclusionProof(dataId);
    if (!isExclusionProof(proof) || !verifyExclusion(dataId, proof, Buffer.from(manifest.root, 'hex'))) {
      throw new AppError('INTERNAL', 'the exclusion proof does not verify against the on-chain root');
    }
    await this.#peerAgrees(this.ledger.models.verifyExclusion({ modelId, dataId, proof }));
    return { modelId, dataId, algorithm: 'RFC6962-SHA256', root: manifest.root, treeSize: tree.size, proof, verified: true };
  }

  /** Has the org's peer check a proof against the sealed root on the ledger. */
  async #peerAgrees(check: Promise<{ valid: boolean }>): Promise<void> {
    const answer = await check;
    if (!answer.valid) throw new AppError('INTERNAL', 'the peer did not accept the proof against the on-chain root');
  }
}
