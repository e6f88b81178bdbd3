import { equal, fromUtf8, toHex } from './bytes';
import type { VerifierCrypto } from './crypto';
import { childrenOf, content, readNode, whole, type DerNode } from './der';

/** The parts of an X.509 certificate the checks use. */
export interface Certificate {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
  issuer: Uint8Array;
  subject: Uint8Array;
  spki: Uint8Array;
  /** Organizational units of the subject (Fabric NodeOUs: peer, client, admin, orderer). */
  ous: string[];
  commonName: string;
}

const OID_OU = '55040b';
const OID_CN = '550403';
/** ecdsa-with-SHA256 */
export const ECDSA_SHA256 = '2a8648ce3d040302';

function attributes(bytes: Uint8Array, name: DerNode, oid: string): string[] {
  const values: string[] = [];
  for (const set of childrenOf(bytes, name)) {
    for (const pair of childrenOf(bytes, set)) {
      const [type, value] = childrenOf(bytes, pair);
      if (type !== undefined && value !== undefined && toHex(content(bytes, type)) === oid) values.push(fromUtf8(content(bytes, value)));
    }
  }
  return values;
}

/** @throws Error when the bytes are not a certificate. */
export function parseCertificate(der: Uint8Array): Certificate {
  const root = readNode(der, 0);
  const [tbsNode, algNode, sigNode] = childrenOf(der, root);
  if (tbsNode === undefined || algNode === undefined || sigNode === undefined) throw new Error('X.509: not a certificate');
  const fields = childrenOf(der, tbsNode);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[offset + 2];
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  const algOid = childrenOf(der, algNode)[0];
  if (issuer === undefined || subject === undefined || spki === undefined || algOid === undefined) throw new Error('X.509: truncated');
  return {
    der,
    tbs: whole(der, tbsNode),
    signatureAlgorithm: toHex(content(der, algOid)),
    // BIT STRING: the first content byte counts unused bits (0 here).
    signature: content(der, sigNode).subarray(1),
    issuer: whole(der, issuer),
    subject: whole(der, subject),
    spki: whole(der, spki),
    ous: attributes(der, subject, OID_OU),
    commonName: attributes(der, subject, OID_CN)[0] ?? '',
  };
}

/** True when `issuer` signed `cert` (names match and the ECDSA-SHA256 signature verifies). */
export async function issuedBy(crypto: VerifierCrypto, cert: Certificate, issuer: Certificate): Promise<boolean> {
  if (!equal(cert.issuer, issuer.subject) || cert.signatureAlgorithm !== ECDSA_SHA256) return false;
  return crypto.verifyEcdsaSha256(issuer.spki, cert.tbs, cert.signature);
}

/**
 * True when `cert` chains to one of `roots`, directly or through `intermediates` (at most 4 deep).
 * Validity periods are not checked: evidence is judged as of when it was signed, and an offline
 * verifier has no trustworthy clock for that moment.
 */
export async function chainsTo(
  crypto: VerifierCrypto,
  cert: Certificate,
  roots: readonly Certificate[],
  intermediates: readonly Certificate[] = [],
): Promise<boolean> {
  let current = cert;
  for (let depth = 0; depth < 5; depth += 1) {
    for (const root of roots) if (await issuedBy(crypto, current, root)) return true;
    let next: Certificate | undefined;
    for (const candidate of intermediates) {
      if (await issuedBy(crypto, current, candidate)) {
        next = candidate;
        break;
      }
    }
    if (next === undefined) return false;
    current = next;
  }
  return false;
}
