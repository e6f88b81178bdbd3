import * as crypto from 'node:crypto';

import { invalid } from './errors';
import { fromHex, isDigestHex, toHex } from './hex';

/**
 * Training-set Merkle trees, exactly as RFC 6962 §2.1 (and RFC 9162 §2.1) define them, so that any
 * standard Certificate Transparency verifier reproduces Kiseki's roots and accepts its proofs:
 *
 * - leaf input: the UTF-8 bytes of a dataId (or raw bytes);
 * - leaf hash: SHA-256(0x00 ‖ input); interior node: SHA-256(0x01 ‖ left ‖ right);
 * - the root of the empty tree: SHA-256 of the empty string;
 * - a training set's leaves are its dataIds in strictly ascending byte order of their UTF-8 encoding,
 *   which is what makes absence ("your data was not used") provable.
 *
 * Pure: no ledger, no clock, no randomness; hashes are Buffers inside and lowercase hex outside.
 */

/** Size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** Root of the empty tree, SHA-256(""), as lowercase hex. */
export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const EMPTY_ROOT = Buffer.from(EMPTY_ROOT_HEX, 'hex');
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// One-shot hashing is markedly faster than a Hash object per node; older runtimes lack it.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;
const sha256: (data: Uint8Array) => Buffer =
  typeof oneShot === 'function' ? (data) => oneShot('sha256', data, 'buffer') : (data) => crypto.createHash('sha256').update(data).digest();

// A lone surrogate has no UTF-8 encoding: Node would silently write U+FFFD, so two different ids
// could share a leaf. Refusing them keeps "one id, one leaf" true.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Array check for arguments typed as arrays but arriving from untyped callers (JSON, chaincode args). */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Halving without 32-bit overflow: sizes are safe integers, not int32. */
function half(value: number): number {
  return Math.floor(value / 2);
}

function isOdd(value: number): boolean {
  return value % 2 === 1;
}

function popcount(value: number): number {
  let count = 0;
  for (let rest = value; rest > 0; rest = half(rest)) count += rest % 2;
  return count;
}

/** Largest power of two strictly below `n` (n ≥ 2): the RFC 6962 split point. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Smallest `level` with 2^level ≥ n (n ≥ 1). */
function ceilLog2(n: number): number {
  let level = 0;
  while (2 ** level < n) level += 1;
  return level;
}

/** Returns a fresh copy of the root of the empty tree, SHA-256(""). */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT);
}

/**
 * RFC 6962 leaf hash: SHA-256(0x00 ‖ input). A string input is hashed as its UTF-8 bytes.
 * @throws KisekiError `INVALID` when the input is neither a string nor bytes, or is a string that is
 * not well-formed Unicode (a lone surrogate has no UTF-8 encoding).
 */
export function leafHash(input: string | Uint8Array): Buffer {
  if (typeof input === 'string') {
    if (!isWellFormed(input)) throw invalid('leaf input is not well-formed Unicode (lone surrogate)');
    const length = Buffer.byteLength(input, 'utf8');
    const data = Buffer.allocUnsafe(length + 1);
    data[0] = LEAF_PREFIX;
    data.write(input, 1, 'utf8');
    return sha256(data);
  }
  if (!(input instanceof Uint8Array)) throw invalid('leaf input must be a string or bytes');
  const data = Buffer.allocUnsafe(input.length + 1);
  data[0] = LEAF_PREFIX;
  data.set(input, 1);
  return sha256(data);
}

/**
 * RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
 * @throws KisekiError `INVALID` when either child is not a 32-byte hash.
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (!isHash(left) || !isHash(right)) throw invalid(`node children must be ${String(HASH_SIZE)}-byte hashes`);
  const data = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
  data[0] = NODE_PREFIX;
  data.set(left, 1);
  data.set(right, 1 + HASH_SIZE);
  return sha256(data);
}

/**
 * Merkle Tree Hash (MTH) of the leaf inputs in the given order, computed straight from the RFC 6962
 * recursive definition. A reference: for many proofs over one set, build a {@link MerkleTree}.
 * @throws KisekiError `INVALID` for a leaf input {@link leafHash} refuses.
 */
export function merkleRoot(leafInputs: readonly (string | Uint8Array)[]): Buffer {
  if (!isList(leafInputs)) throw invalid('leaf inputs must be an array');
  if (leafInputs.length === 0) return emptyRoot();
  const leaves = leafInputs.map((input) => leafHash(input));
  const mth = (start: number, end: number): Buffer => {
    if (end - start === 1) return leaves[start] as Buffer;
    const k = splitPoint(end - start);
    return nodeHash(mth(start, start + k), mth(start + k, end));
  };
  return mth(0, leaves.length);
}

/**
 * Ascending byte order of the UTF-8 encodings, the order of a training set's leaves. JavaScript's
 * own `<` compares UTF-16 code units, which disagrees for characters above U+FFFF versus
 * U+E000–U+FFFF; UTF-8 byte order equals code point order, which this reproduces without encoding.
 * @returns a negative number, zero or a positive number, like `Array.prototype.sort` expects.
 */
export function compareIds(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Remaps UTF-16 code units so that comparing them orders code points: surrogates go above U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * Checks that `ids` are strings in strictly ascending UTF-8 byte order (so also free of duplicates),
 * and, when `after` is given, that the first id sorts after it (a batch continuing a previous one).
 * @throws KisekiError `INVALID` naming the first offending position.
 */
export function assertStrictlyIncreasing(ids: readonly string[], after?: string): void {
  if (!isList(ids)) throw invalid('ids must be an array of strings');
  let previous = after;
  for (let i = 0; i < ids.length; i += 1) {
    const id: unknown = ids[i];
    if (typeof id !== 'string') throw invalid(`id at position ${String(i)} must be a string`);
    if (previous !== undefined && compareIds(previous, id) >= 0) {
      throw invalid(
        `ids must strictly increase in UTF-8 byte order: ${JSON.stringify(id)} at position ${String(i)} ` +
          `does not sort after ${JSON.stringify(previous)}`,
      );
    }
    previous = id;
  }
}

// ---------------------------------------------------------------------------------------------
// Incremental frontier (what the chaincode keeps on the ledger)
// ---------------------------------------------------------------------------------------------

/**
 * The incremental state of a tree being built leaf by leaf, kept on chain as sorted-key JSON:
 * `size` leaves so far and the roots of the perfect subtrees that make up the tree, largest (left)
 * first, as lowercase hex. There is one node per set bit of `size`, so at most 53 entries.
 *
 * JSON: `{ "nodes": ["<64 hex>", ...], "size": <integer ≥ 0> }`.
 */
export interface Frontier {
  readonly size: number;
  readonly nodes: readonly string[];
}

/** The frontier of the empty tree. */
export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, nodes: Object.freeze([] as string[]) });

/**
 * True when `value` is a well-formed frontier: a safe non-negative integer `size`, and `nodes` holding
 * exactly popcount(size) lowercase 64-character hex digests. Whether the digests are the right
 * ones cannot be checked without the leaves.
 */
export function isValidFrontier(value: unknown): value is Frontier {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { size, nodes } = value as { size?: unknown; nodes?: unknown };
  if (!isIndex(size) || !Array.isArray(nodes)) return false;
  return nodes.length === popcount(size) && nodes.every((node) => isDigestHex(node));
}

function assertFrontier(frontier: unknown): asserts frontier is Frontier {
  if (!isValidFrontier(frontier)) {
    throw invalid('frontier must be { size: integer ≥ 0, nodes: popcount(size) lowercase hex digests }');
  }
}

/**
 * Appends leaves to a frontier and returns the new frontier; the argument is not modified.
 * Each leaf costs one leaf hash plus one node hash per trailing one-bit of the size before it:
 * amortized two hashes, at most log2(n) + 1, so a batch of b leaves is O(b · log n) at worst.
 * Ordering is the caller's rule: check it first with {@link assertStrictlyIncreasing}.
 * @throws KisekiError `INVALID` for a malformed frontier, a refused leaf input, or a size past 2^53 − 1.
 */
export function frontierAppend(frontier: Frontier, leafInputs: readonly (string | Uint8Array)[]): Frontier {
  assertFrontier(frontier);
  if (!isList(leafInputs)) throw invalid('leaf inputs must be an array');
  if (leafInputs.length > Number.MAX_SAFE_INTEGER - frontier.size) throw invalid('tree size would overflow');
  const stack: Buffer[] = frontier.nodes.map((node) => Buffer.from(node, 'hex'));
  let size = frontier.size;
  for (const input of leafInputs) {
    let carry = leafHash(input);
    // Each trailing one-bit of the size is a perfect subtree of the new leaf's height: merge with it.
    for (let rest = size; isOdd(rest); rest = half(rest)) {
      const left = stack.pop();
      if (left === undefined) throw invalid('frontier does not match its size');
      carry = nodeHash(left, carry);
    }
    stack.push(carry);
    size += 1;
  }
  return { size, nodes: stack.map((node) => toHex(node)) };
}

/**
 * The root (MTH) of the tree a frontier describes: the perfect subtrees folded right to left.
 * @throws KisekiError `INVALID` for a malformed frontier.
 */
export function frontierRoot(frontier: Frontier): Buffer {
  assertFrontier(frontier);
  const nodes = frontier.nodes;
  if (nodes.length === 0) return emptyRoot();
  let root: Buffer = Buffer.from(nodes[nodes.length - 1] as string, 'hex');
  for (let i = nodes.length - 2; i >= 0; i -= 1) root = nodeHash(Buffer.from(nodes[i] as string, 'hex'), root);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Whole tree, for serving many proofs
// ---------------------------------------------------------------------------------------------

/** One neighbour of an absent id: a leaf of the tree with its RFC 6962 inclusion path (hex). */
export interface ExclusionNeighbour {
  /** Zero-based leaf index. */
  index: number;
  /** The dataId at that leaf. */
  id: string;
  /** RFC 6962 audit path of the leaf, bottom up, lowercase hex. */
  path: string[];
}

/**
 * Proof that `target` is not a leaf of a tree whose leaves are sorted ids: its would-be neighbours
 * are adjacent leaves (or it sorts before the first / after the last leaf, or the tree is empty).
 * Sound only for trees whose leaves strictly increase, which the chaincode enforces for every
 * training set it roots.
 *
 * JSON: `{ "size": n, "predecessor"?: { "id", "index", "path": [hex...] }, "successor"?: { ... } }`;
 * an absent neighbour is an absent member (never `null`).
 */
export interface ExclusionProof {
  size: number;
  predecessor?: ExclusionNeighbour;
  successor?: ExclusionNeighbour;
}

/**
 * A complete tree with every level kept, so that a proof costs only lookups. Levels are contiguous
 * buffers of 32-byte hashes; an odd node at the end of a level is carried up unchanged, which
 * gives exactly the RFC 6962 shape (left subtrees perfect, the largest power of two).
 */
export class MerkleTree {
  readonly #levels: readonly Buffer[];
  readonly #counts: readonly number[];
  readonly #ids: readonly string[] | undefined;

  private constructor(leafHashes: Buffer, size: number, ids: readonly string[] | undefined) {
    const levels = [leafHashes];
    const counts = [size];
    const scratch = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
    scratch[0] = NODE_PREFIX;
    let current = leafHashes;
    let count = size;
    while (count > 1) {
      const nextCount = Math.ceil(count / 2);
      const next = Buffer.allocUnsafe(nextCount * HASH_SIZE);
      for (let i = 0; i + 1 < count; i += 2) {
        // Siblings are adjacent in the level buffer: one copy brings left ‖ right.
        current.copy(scratch, 1, i * HASH_SIZE, (i + 2) * HASH_SIZE);
        sha256(scratch).copy(next, (i / 2) * HASH_SIZE);
      }
      if (isOdd(count)) current.copy(next, (nextCount - 1) * HASH_SIZE, (count - 1) * HASH_SIZE);
      levels.push(next);
      counts.push(nextCount);
      current = next;
      count = nextCount;
    }
    this.#levels = levels;
    this.#counts = counts;
    this.#ids = ids;
  }

  /**
   * Builds the tree of a training set. Ids must already be in strictly ascending UTF-8 byte order;
   * the tree keeps a copy of them, so it can also serve exclusion proofs and find ids.
   * @throws KisekiError `INVALID` when the ids are not strictly increasing strings or not well-formed.
   */
  static fromSortedIds(ids: readonly string[]): MerkleTree {
    assertStrictlyIncreasing(ids);
    return new MerkleTree(hashLeaves(ids), ids.length, ids.slice());
  }

  /**
   * Builds the tree of arbitrary leaf inputs in the given order (no ordering required). Such a tree
   * serves inclusion and consistency proofs, not exclusion proofs.
   * @throws KisekiError `INVALID` for a refused leaf input.
   */
  static fromLeafInputs(leafInputs: readonly (string | Uint8Array)[]): MerkleTree {
    if (!isList(leafInputs)) throw invalid('leaf inputs must be an array');
    return new MerkleTree(hashLeaves(leafInputs), leafInputs.length, undefined);
  }

  /** Number of leaves. */
  get size(): number {
    return this.#counts[0] as number;
  }

  /** The tree's root (MTH); SHA-256("") for the empty tree. */
  root(): Buffer {
    if (this.size === 0) return emptyRoot();
    return this.#node(this.#levels.length - 1, 0);
  }

  /** The root as lowercase hex. */
  rootHex(): string {
    return toHex(this.root());
  }

  /**
   * The leaf hash at `index`.
   * @throws KisekiError `INVALID` when the index is out of range.
   */
  leafHash(index: number): Buffer {
    this.#assertIndex(index);
    return this.#node(0, index);
  }

  /**
   * The id at leaf `index` (trees built from sorted ids only).
   * @throws KisekiError `INVALID` when the index is out of range or the tree has no ids.
   */
  id(index: number): string {
    this.#assertIndex(index);
    return this.#sortedIds()[index] as string;
  }

  /** Leaf index of `id`, or -1 when absent (trees built from sorted ids only; binary search). */
  indexOf(id: string): number {
    const ids = this.#sortedIds();
    const at = lowerBound(ids, id);
    return at < ids.length && ids[at] === id ? at : -1;
  }

  /**
   * RFC 6962 audit path of leaf `index` (PATH(m, D[n])), bottom up.
   * @throws KisekiError `INVALID` when the index is not in [0, size).
   */
  inclusionProof(index: number): Buffer[] {
    this.#assertIndex(index);
    const path: Buffer[] = [];
    let at = index;
    for (let level = 0; level < this.#levels.length - 1; level += 1) {
      const sibling = isOdd(at) ? at - 1 : at + 1;
      // No sibling means this node is carried up unchanged: nothing to hash at this level.
      if (sibling < (this.#counts[level] as number)) path.push(this.#node(level, sibling));
      at = half(at);
    }
    return path;
  }

  /**
   * RFC 6962 consistency proof (PROOF(m, D[n])) from the first `oldSize` leaves to this tree.
   * Empty when `oldSize` is 0 or the tree's size.
   * @throws KisekiError `INVALID` when `oldSize` is not in [0, size].
   */
  consistencyProof(oldSize: number): Buffer[] {
    if (!isIndex(oldSize) || oldSize > this.size) {
      throw invalid(`old size ${String(oldSize)} must be an integer in [0, ${String(this.size)}]`);
    }
    const proof: Buffer[] = [];
    if (oldSize > 0 && oldSize < this.size) this.#subproof(oldSize, 0, this.size, true, proof);
    return proof;
  }

  /**
   * Exclusion proof for `target` (trees built from sorted ids only).
   * @throws KisekiError `INVALID` when `target` is in the tree (it cannot be proven absent), is not
   * a well-formed string, or the tree has no ids.
   */
  exclusionProof(target: string): ExclusionProof {
    if (typeof target !== 'string' || !isWellFormed(target)) {
      throw invalid('exclusion target must be a well-formed string');
    }
    const ids = this.#sortedIds();
    const at = lowerBound(ids, target);
    if (at < ids.length && ids[at] === target) {
      throw invalid(`${JSON.stringify(target)} is leaf ${String(at)} of the tree: it cannot be proven absent`);
    }
    const proof: ExclusionProof = { size: ids.length };
    if (at > 0) proof.predecessor = this.#neighbour(at - 1);
    if (at < ids.length) proof.successor = this.#neighbour(at);
    return proof;
  }

  /** The frontier of this tree, as {@link frontierAppend} would have built it leaf by leaf. */
  frontier(): Frontier {
    const nodes: string[] = [];
    let offset = 0;
    for (let level = this.#levels.length - 1; level >= 0; level -= 1) {
      const width = 2 ** level;
      if (offset + width <= this.size) {
        nodes.push(toHex(this.#node(level, offset / width)));
        offset += width;
      }
    }
    return { size: this.size, nodes };
  }

  #node(level: number, index: number): Buffer {
    const buffer = this.#levels[level] as Buffer;
    // A copy, so no caller can alter the tree through a returned hash.
    return Buffer.from(buffer.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE));
  }

  /** Hash of leaves [start, end), where that range is a node of the tree (true on every RFC split). */
  #rangeHash(start: number, end: number): Buffer {
    const level = ceilLog2(end - start);
    return this.#node(level, start / 2 ** level);
  }

  /** RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], complete), appended to `out` in RFC order. */
  #subproof(m: number, start: number, end: number, complete: boolean, out: Buffer[]): void {
    if (m === end - start) {
      if (!complete) out.push(this.#rangeHash(start, end));
      return;
    }
    const k = splitPoint(end - start);
    if (m <= k) {
      this.#subproof(m, start, start + k, complete, out);
      out.push(this.#rangeHash(start + k, end));
    } else {
      this.#subproof(m - k, start + k, end, false, out);
      out.push(this.#rangeHash(start, start + k));
    }
  }

  #neighbour(index: number): ExclusionNeighbour {
    return { index, id: this.#sortedIds()[index] as string, path: encodeProof(this.inclusionProof(index)) };
  }

  #assertIndex(index: number): void {
    if (!isIndex(index) || index >= this.size) {
      throw invalid(`leaf index ${String(index)} is out of range for a tree of ${String(this.size)} leaves`);
    }
  }

  #sortedIds(): readonly string[] {
    if (this.#ids === undefined) throw invalid('this tree was not built from sorted ids');
    return this.#ids;
  }
}

function hashLeaves(leafInputs: readonly (string | Uint8Array)[]): Buffer {
  const out = Buffer.allocUnsafe(leafInputs.length * HASH_SIZE);
  leafInputs.forEach((input, i) => leafHash(input).copy(out, i * HASH_SIZE));
  return out;
}

/** First position whose id does not sort before `target`. */
function lowerBound(ids: readonly string[], target: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareIds(ids[mid] as string, target) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------
// One-shot proofs and verification
// ---------------------------------------------------------------------------------------------

/**
 * RFC 6962 audit path of leaf `index` among `leafInputs` (in the given order).
 * @throws KisekiError `INVALID` for an index out of range or a refused leaf input.
 */
export function inclusionProof(leafInputs: readonly (string | Uint8Array)[], index: number): Buffer[] {
  return MerkleTree.fromLeafInputs(leafInputs).inclusionProof(index);
}

/**
 * RFC 6962 consistency proof from the first `oldSize` of `leafInputs` to all of them.
 * @throws KisekiError `INVALID` when `oldSize` is not in [0, leafInputs.length] or for a refused input.
 */
export function consistencyProof(leafInputs: readonly (string | Uint8Array)[], oldSize: number): Buffer[] {
  return MerkleTree.fromLeafInputs(leafInputs).consistencyProof(oldSize);
}

/**
 * Exclusion proof of `target` against the tree of `sortedIds`. For many proofs over one set, build
 * a {@link MerkleTree} once and call its `exclusionProof`.
 * @throws KisekiError `INVALID` when the ids are not strictly increasing or `target` is among them.
 */
export function exclusionProof(sortedIds: readonly string[], target: string): ExclusionProof {
  return MerkleTree.fromSortedIds(sortedIds).exclusionProof(target);
}

/** Encodes a proof (list of hashes) as lowercase hex strings, for JSON, HTTP and chaincode args. */
export function encodeProof(proof: readonly Uint8Array[]): string[] {
  return proof.map((hash) => toHex(hash));
}

/**
 * Decodes a hex proof.
 * @throws KisekiError `INVALID` when it is not an array of 64-character lowercase hex digests.
 */
export function decodeProof(path: readonly string[]): Buffer[] {
  if (!isList(path)) throw invalid('proof must be an array of hex digests');
  return path.map((hex, i) => fromHex(hex, HASH_SIZE, `proof[${String(i)}]`));
}

/**
 * Verifies an RFC 6962 inclusion proof with the algorithm of RFC 9162 §2.1.3.2. Never throws:
 * anything malformed (index ≥ size, wrong hash lengths, non-integers) simply does not verify.
 *
 * Take `size` from the same trusted place as `root` (a sealed model's `trainingSize`): an audit
 * path alone does not pin the tree size, e.g. leaf 0's path in a tree of 5 also checks as size 6–8,
 * and only with the true size is `index` the leaf's real position.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isIndex(index) || !isIndex(size) || index >= size) return false;
  if (!isHash(leafHash) || !isHash(root) || !isList(proof) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // A right-edge node with no sibling climbs unchanged until it becomes a right child.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(r, root);
}

/**
 * Verifies an RFC 6962 consistency proof with the algorithm of RFC 9162 §2.1.4.2. Equal sizes need
 * equal roots and an empty proof; an empty old tree needs the empty root and an empty proof. Never
 * throws: anything malformed (oldSize > newSize, wrong hash lengths, non-integers) does not verify.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isList(proof) || !proof.every(isHash)) return false;
  if (oldSize === newSize) return proof.length === 0 && sameBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && sameBytes(oldRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  // When the old tree is a perfect subtree of the new one, its root is the proof's implicit first node.
  const path = popcount(oldSize) === 1 ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && sameBytes(fr, oldRoot) && sameBytes(sr, newRoot);
}

/**
 * True when `value` has the JSON shape of an {@link ExclusionProof} (types only; see
 * {@link verifyExclusion} for the meaning).
 */
export function isExclusionProof(value: unknown): value is ExclusionProof {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { size, predecessor, successor } = value as Record<string, unknown>;
  return isIndex(size) && (predecessor === undefined || isNeighbour(predecessor)) && (successor === undefined || isNeighbour(successor));
}

function isNeighbour(value: unknown): value is ExclusionNeighbour {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { index, id, path } = value as Record<string, unknown>;
  return isIndex(index) && typeof id === 'string' && isWellFormed(id) && Array.isArray(path) && path.every((node) => isDigestHex(node));
}

/**
 * Verifies that `target` is not a leaf of the sorted-id tree with this `root`: both neighbours'
 * inclusion proofs verify, they bracket `target` in UTF-8 byte order, and they are adjacent leaves
 * (or the lone neighbour is the first / last leaf; or the tree is empty and `root` is SHA-256("")).
 * Never throws: a malformed proof does not verify.
 *
 * Absence follows from a trusted `root` alone: the two paths meet at one node, ending at the last
 * leaf of its left subtree and the first of its right, whatever size the proof claims. Pass
 * `trustedSize` (the sealed model's `trainingSize`) to also hold the proof to the true size, which
 * makes the neighbours' indices their real positions.
 */
export function verifyExclusion(target: string, proof: ExclusionProof, root: Uint8Array, trustedSize?: number): boolean {
  if (typeof target !== 'string' || !isWellFormed(target)) return false;
  if (!isExclusionProof(proof) || !isHash(root)) return false;
  if (trustedSize !== undefined && proof.size !== trustedSize) return false;
  const { size, predecessor, successor } = proof;
  if (size === 0) return predecessor === undefined && successor === undefined && sameBytes(root, EMPTY_ROOT);
  if (predecessor === undefined && successor === undefined) return false;
  if (predecessor !== undefined) {
    if (compareIds(predecessor.id, target) >= 0) return false;
    if (successor === undefined && predecessor.index !== size - 1) return false;
  }
  if (successor !== undefined) {
    if (compareIds(target, successor.id) >= 0) return false;
    if (predecessor === undefined && successor.index !== 0) return false;
  }
  if (predecessor !== undefined && successor !== undefined && successor.index !== predecessor.index + 1) {
    return false;
  }
  return [predecessor, successor].every((neighbour) => neighbour === undefined || verifyNeighbour(neighbour, size, root));
}

function verifyNeighbour(neighbour: ExclusionNeighbour, size: number, root: Uint8Array): boolean {
  const path = neighbour.path.map((hex) => Buffer.from(hex, 'hex'));
  return verifyInclusion(leafHash(neighbour.id), neighbour.index, size, path, root);
}
