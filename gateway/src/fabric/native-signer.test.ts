import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { isP256, lowSDer, newNativeSigner } from './native-signer';

/** The native signer: signatures verify, S is always low, DER is well formed. */

const HALF_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;

function sOf(der: Uint8Array): bigint {
  const bytes = Buffer.from(der);
  const rLength = bytes[3] as number;
  const sLength = bytes[5 + rLength] as number;
  return BigInt(`0x${bytes.subarray(6 + rLength, 6 + rLength + sLength).toString('hex')}`);
}

test('when messages are signed, then each signature verifies against the SHA-256 of the message and has a low S', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  expect(isP256(privateKey)).toBe(true);
  const signer = newNativeSigner(privateKey);
  for (let i = 0; i < 200; i += 1) {
    const message = createHash('sha256').update(`m${i}`).digest();
    const signature = await signer(message);
    expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
    expect(sOf(signature) <= HALF_N).toBe(true);
  }
});

test('when S is high, then it is replaced by n − S, and a high bit gets a leading zero', () => {
  const r = Buffer.alloc(32, 0x80);
  const s = Buffer.from((HALF_N * 2n + 1n - 5n).toString(16), 'hex');
  const der = Buffer.from(lowSDer(Buffer.concat([r, s])));
  expect(der[0]).toBe(0x30);
  expect(der.subarray(2, 5)).toEqual(Buffer.from([0x02, 33, 0x00]));
  expect(sOf(der)).toBe(5n);
});

test('when the key is not P-256, then the native signer does not apply', () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  expect(isP256(privateKey)).toBe(false);
});
