import { createHash } from 'node:crypto';

/**
 * A separate RFC 6962 / RFC 9162 verifier for the integration tests, written from the RFC and sharing no
 * code with the gateway or the chaincode, so a proof that passes here is checked independently.
 */

const sha256 = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
export const leaf = (id: string): Buffer => sha256(Buffer.from([0]), Buffer.from(id, 'utf8'));
const node = (l: Buffer, r: Buffer): Buffer => sha256(Buffer.from([1]), l, r);

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(leafHash: Buffer, index: number, size: number, path: readonly string[], root: string): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const hex of path) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}

/** Byte order of UTF-8 ids, as the training set is sorted. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

interface Neighbour {
  index: number;
  id: string;
  path: string[];
}

/** Absence: the neighbours are adjacent leaves that bracket the id (or the id lies beyond an end). */
export function verifyExclusion(
  id: string,
  proof: { size: number; predecessor?: Neighbour; successor?: Neighbour },
  root: string,
): boolean {
  const { size, predecessor: p, successor: s } = proof;
  if (size === 0) return p === undefined && s === undefined;
  if (p !== undefined && !(byteOrder(p.id, id) < 0 && verifyInclusion(leaf(p.id), p.index, size, p.path, root))) return false;
  if (s !== undefined && !(byteOrder(id, s.id) < 0 && verifyInclusion(leaf(s.id), s.index, size, s.path, root))) return false;
  if (p !== undefined && s !== undefined) return s.index === p.index + 1;
  if (p === undefined && s !== undefined) return s.index === 0;
  if (p !== undefined && s === undefined) return p.index === size - 1;
  return false;
}
