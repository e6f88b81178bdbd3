import { sign, type KeyObject } from 'node:crypto';

/**
 * ECDSA P-256 signing with Node's native crypto for Fabric. The stock signer of @hyperledger/fabric-gateway
 * signs in JavaScript (modular arithmetic on BigInts) and was the gateway's heaviest function under load
 * (npm run bench -- ingest: about a sixth of its busy CPU); OpenSSL does the same in a fraction of it.
 * Fabric accepts only low-S signatures (s ≤ n/2), so S is normalised; the signature is DER, as Fabric
 * expects. The signer takes the whole message and hashes it itself (connect with `hash.none`).
 */

/** Order of the P-256 group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = N >> 1n;

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

/** A positive DER INTEGER. */
function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** `r‖s` (IEEE P1363) → DER with low S. */
export function lowSDer(p1363: Uint8Array): Uint8Array {
  const half = p1363.length / 2;
  const r = toBigInt(p1363.subarray(0, half));
  let s = toBigInt(p1363.subarray(half));
  if (s > HALF_N) s = N - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Whether `key` is a P-256 private key this signer handles. */
export function isP256(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** A Fabric signer over the whole message (SHA-256 then ECDSA P-256, low S, DER). */
export function newNativeSigner(key: KeyObject): (message: Uint8Array) => Promise<Uint8Array> {
  return (message) => Promise.resolve(lowSDer(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })));
}
