import { concat, equal, fromHex, utf8 } from './bytes';
import type { VerifierCrypto } from './crypto';

/**
 * RFC 6962 / RFC 9162 proof checks over an injected SHA-256: leaf hash = H(0x00 ‖ UTF-8 dataId), node
 * hash = H(0x01 ‖ left ‖ right), leaves in ascending byte order of their dataIds.
 */

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  auditPath: readonly string[];
}

export interface ExclusionNeighbour {
  index: number;
  id: string;
  path: readonly string[];
}

export interface ExclusionProof {
  size: number;
  predecessor?: ExclusionNeighbour;
  successor?: ExclusionNeighbour;
}

export const leafHash = (crypto: VerifierCrypto, id: string): Promise<Uint8Array> => crypto.sha256(concat(new Uint8Array([0]), utf8(id)));

/** Orders ids by their UTF-8 bytes, the leaf order of the training tree. */
export function compareIds(a: string, b: string): number {
  const x = utf8(a);
  const y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

const isIndex = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** RFC 9162 §2.1.3.2: recomputes the root from a leaf and its audit path. */
export async function verifyInclusion(
  crypto: VerifierCrypto,
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly string[],
  root: Uint8Array,
): Promise<boolean> {
  if (!isIndex(index) || !isIndex(size) || index >= size || !Array.isArray(path)) return false;
  let nodes: Uint8Array[];
  try {
    nodes = (path as readonly unknown[]).map((hex) => fromHex(String(hex)));
  } catch {
    return false;
  }
  if (nodes.some((n) => n.length !== 32)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of nodes) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await crypto.sha256(concat(new Uint8Array([1]), p, r));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await crypto.sha256(concat(new Uint8Array([1]), r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/**
 * An exclusion proof: the target's would-be neighbours are adjacent leaves (or the first/last leaf)
 * that sort around it, each with its inclusion proof against the same root and size.
 */
export async function verifyExclusion(
  crypto: VerifierCrypto,
  target: string,
  proof: ExclusionProof,
  root: Uint8Array,
  size: number,
): Promise<boolean> {
  if (proof.size !== size) return false;
  const { predecessor, successor } = proof;
  if (size === 0) return predecessor === undefined && successor === undefined && equal(root, await crypto.sha256(new Uint8Array(0)));
  if (predecessor === undefined && successor === undefined) return false;
  if (predecessor !== undefined) {
    if (compareIds(predecessor.id, target) >= 0) return false;
    if (successor === undefined && predecessor.index !== size - 1) return false;
  }
  if (successor !== undefined) {
    if (compareIds(target, successor.id) >= 0) return false;
    if (predecessor === undefined && successor.index !== 0) return false;
  }
  if (predecessor !== undefined && successor !== undefined && successor.index !== predecessor.index + 1) return false;
  for (const n of [predecessor, successor]) {
    if (n !== undefined && !(await verifyInclusion(crypto, await leafHash(crypto, n.id), n.index, size, n.path, root))) return false;
  }
  return true;
}
