/**
 * RFC 6962 / RFC 9162 proof checks for the browser, on WebCrypto: the console checks every proof the
 * gateway sends against the model's root read from the ledger, so the verdict never rests on the
 * gateway's own "verified" flag. Leaf = SHA-256(0x00 ‖ UTF-8 dataId), node = SHA-256(0x01 ‖ l ‖ r),
 * leaves in ascending byte order of the ids.
 */

const encoder = new TextEncoder();

async function sha256(...parts: readonly Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

export const toHex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error('not lowercase hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export const leafHash = (id: string): Promise<Uint8Array> => sha256(Uint8Array.of(0), encoder.encode(id));
const nodeHash = (left: Uint8Array, right: Uint8Array): Promise<Uint8Array> => sha256(Uint8Array.of(1), left, right);

/** Compares ids by their UTF-8 bytes, as the training set is ordered. */
export function compareIds(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path. */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly string[],
  rootHex: string,
): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const hex of path) {
    if (sn === 0) return false;
    const p = fromHex(hex);
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && toHex(r) === rootHex;
}

export interface Neighbour {
  index: number;
  id: string;
  path: readonly string[];
}

export interface ExclusionProof {
  size: number;
  predecessor?: Neighbour;
  successor?: Neighbour;
}

/**
 * An id is absent from a sorted tree when its would-be neighbours are proven leaves that bracket it and
 * sit side by side (or the id lies before the first leaf or after the last).
 */
export async function verifyExclusion(id: string, proof: ExclusionProof, rootHex: string): Promise<boolean> {
  const { size, predecessor: p, successor: s } = proof;
  if (size === 0) return p === undefined && s === undefined && rootHex === toHex(await sha256());
  if (p !== undefined && !(compareIds(p.id, id) < 0 && (await verifyInclusion(await leafHash(p.id), p.index, size, p.path, rootHex))))
    return false;
  if (s !== undefined && !(compareIds(id, s.id) < 0 && (await verifyInclusion(await leafHash(s.id), s.index, size, s.path, rootHex))))
    return false;
  if (p !== undefined && s !== undefined) return s.index === p.index + 1;
  if (p === undefined && s !== undefined) return s.index === 0;
  if (p !== undefined && s === undefined) return p.index === size - 1;
  return false;
}
