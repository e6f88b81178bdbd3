import { invalid } from './errors';

/**
 * Lowercase hex, the one textual form of digests on the ledger and over HTTP. Decoding is strict
 * (lowercase only, even length) so that one digest has exactly one spelling and string equality
 * of hex values means byte equality.
 */

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;
const DIGEST_HEX = /^[0-9a-f]{64}$/;

/** Encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when `value` is lowercase hex of an even length (possibly empty). */
export function isHex(value: unknown): value is string {
  return typeof value === 'string' && LOWER_HEX.test(value);
}

/** True when `value` is a lowercase hex SHA-256 digest (64 characters). */
export function isDigestHex(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_HEX.test(value);
}

/**
 * Decodes lowercase hex.
 * @param byteLength when given, the exact number of bytes required.
 * @throws KisekiError `INVALID` when the text is not lowercase hex or has the wrong length.
 */
export function fromHex(value: string, byteLength?: number, what = 'hex value'): Buffer {
  if (!isHex(value)) throw invalid(`${what} must be lowercase hex`);
  if (byteLength !== undefined && value.length !== byteLength * 2) {
    throw invalid(`${what} must be ${String(byteLength)} bytes (${String(byteLength * 2)} hex characters)`);
  }
  return Buffer.from(value, 'hex');
}
