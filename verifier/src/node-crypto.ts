import { createHash, createPublicKey, verify } from 'node:crypto';
import type { VerifierCrypto } from './crypto';

/** {@link VerifierCrypto} over node:crypto (synchronous underneath). */
export const nodeCrypto: VerifierCrypto = {
  sha256: (data) => Promise.resolve(new Uint8Array(createHash('sha256').update(data).digest())),
  verifyEcdsaSha256: (spki, data, derSignature) => {
    try {
      const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      return Promise.resolve(verify('sha256', data, key, derSignature));
    } catch {
      return Promise.resolve(false);
    }
  },
};
