/**
 * The two primitives the checks need, behind an interface so the same checks run in Node
 * (node-crypto.ts) and in a browser (WebCrypto, {@link webCrypto}).
 */
export interface VerifierCrypto {
  sha256(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Verifies an ECDSA signature (DER-encoded, as Fabric and X.509 carry it) over SHA-256 of `data`
   * with a P-256 public key given as DER SubjectPublicKeyInfo. Never throws: false for any failure.
   */
  verifyEcdsaSha256(spki: Uint8Array, data: Uint8Array, derSignature: Uint8Array): Promise<boolean>;
}

/** DER ECDSA-Sig-Value → fixed-length r‖s (what WebCrypto expects). */
export function derToP1363(der: Uint8Array, size = 32): Uint8Array | undefined {
  if (der[0] !== 0x30) return undefined;
  let at = 2;
  if ((der[1] ?? 0) & 0x80) at = 2 + ((der[1] ?? 0) & 0x7f);
  const out = new Uint8Array(size * 2);
  for (let part = 0; part < 2; part += 1) {
    if (der[at] !== 0x02) return undefined;
    const length = der[at + 1] ?? 0;
    let value = der.subarray(at + 2, at + 2 + length);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) return undefined;
    out.set(value, part * size + (size - value.length));
    at += 2 + length;
  }
  return out;
}

/** {@link VerifierCrypto} over WebCrypto (`globalThis.crypto.subtle`), for browsers and Node alike. */
export function webCrypto(subtle: typeof globalThis.crypto.subtle = globalThis.crypto.subtle): VerifierCrypto {
  return {
    sha256: async (data) => new Uint8Array(await subtle.digest('SHA-256', data)),
    verifyEcdsaSha256: async (spki, data, derSignature) => {
      try {
        const signature = derToP1363(derSignature);
        if (signature === undefined) return false;
        const key = await subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
        return await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, data);
      } catch {
        return false;
      }
    },
  };
}
