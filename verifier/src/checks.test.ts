import { createPrivateKey, sign } from 'node:crypto';
import { MerkleTree } from '@kiseki/chaincode/shared/merkle';
import { fromHex, pemToDer, toHex, utf8 } from './bytes';
import { derToP1363, webCrypto } from './crypto';
import { headerBytes } from './fabric';
import { leafHash, verifyExclusion, verifyInclusion } from './merkle';
import { nodeCrypto } from './node-crypto';
import { formatPolicy, parsePolicy, satisfies, type Principal } from './policy';
import { CA_PEM, IMPOSTOR_CA_PEM, PEER_KEY_PEM, PEER_PEM } from './test-fixtures';
import { chainsTo, parseCertificate } from './x509';

const peer = (mspId: string): Principal => ({ mspId, roles: new Set(['member', 'peer']) });
const client = (mspId: string): Principal => ({ mspId, roles: new Set(['member', 'client']) });

describe('endorsement policies', () => {
  const policy = parsePolicy("OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')");

  test('when parsed and printed, then the text is canonical and AND/OR become OutOf', () => {
    expect(formatPolicy(policy)).toBe("OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')");
    expect(formatPolicy(parsePolicy("AND('A.peer', OR('B.member', 'C.admin'))"))).toBe(
      "OutOf(2, 'A.peer', OutOf(1, 'B.member', 'C.admin'))",
    );
    expect(() => parsePolicy("OutOf(2, 'A.peer'")).toThrow(/policy/);
    expect(() => parsePolicy("AND('A.king')")).toThrow(/bad principal/);
  });

  test('when two orgs endorse, then OutOf(2) holds; one org, or one org twice, does not', () => {
    expect(satisfies(policy, [peer('Studio1MSP'), peer('LicensorMSP')])).toBe(true);
    expect(satisfies(policy, [peer('Studio1MSP')])).toBe(false);
    expect(satisfies(policy, [peer('Studio1MSP'), peer('Studio1MSP')])).toBe(false);
    expect(satisfies(policy, [peer('Studio1MSP'), peer('RegulatorMSP')])).toBe(false);
  });

  test('when signers are clients, then the peer role is missing unless roles are relaxed (attestations)', () => {
    expect(satisfies(policy, [client('Studio1MSP'), client('LicensorMSP')])).toBe(false);
    expect(satisfies(policy, [client('Studio1MSP'), client('LicensorMSP')], true)).toBe(true);
  });
});

describe('RFC 6962 proofs with an injected SHA-256', () => {
  const ids = Array.from({ length: 13 }, (_, i) => `item-${String(i).padStart(3, '0')}`);
  const tree = MerkleTree.fromSortedIds(ids);
  const root = fromHex(tree.rootHex());

  test.each([
    ['node:crypto', nodeCrypto],
    ['WebCrypto', webCrypto()],
  ])('when every leaf is proved with %s, then each verifies and a wrong leaf does not', async (_name, crypto) => {
    for (let i = 0; i < ids.length; i += 1) {
      const path = tree.inclusionProof(i).map((n) => toHex(n));
      expect(await verifyInclusion(crypto, await leafHash(crypto, ids[i] ?? ''), i, ids.length, path, root)).toBe(true);
      expect(await verifyInclusion(crypto, await leafHash(crypto, 'other'), i, ids.length, path, root)).toBe(false);
    }
  });

  test('when an id is absent, then its exclusion proof verifies; a present id cannot be excluded', async () => {
    const proof = tree.exclusionProof('item-0055');
    expect(await verifyExclusion(nodeCrypto, 'item-0055', proof, root, ids.length)).toBe(true);
    expect(await verifyExclusion(nodeCrypto, 'item-005', proof, root, ids.length)).toBe(false);
    expect(await verifyExclusion(nodeCrypto, 'item-0055', proof, root, ids.length + 1)).toBe(false);
  });
});

describe('certificates and signatures', () => {
  const ca = parseCertificate(pemToDer(CA_PEM));
  const impostor = parseCertificate(pemToDer(IMPOSTOR_CA_PEM));
  const leaf = parseCertificate(pemToDer(PEER_PEM));

  test('when a peer certificate is parsed, then its OU and name are read', () => {
    expect(leaf.ous).toEqual(['peer']);
    expect(leaf.commonName).toBe('peer0.org1');
  });

  test.each([
    ['node:crypto', nodeCrypto],
    ['WebCrypto', webCrypto()],
  ])('when checked with %s, then it chains to its CA, not to an impostor with the same name', async (_name, crypto) => {
    expect(await chainsTo(crypto, leaf, [ca])).toBe(true);
    expect(await chainsTo(crypto, leaf, [impostor])).toBe(false);
  });

  test.each([
    ['node:crypto', nodeCrypto],
    ['WebCrypto', webCrypto()],
  ])('when a message is signed by the peer key, then %s verifies it and refuses a changed byte', async (_name, crypto) => {
    const message = utf8('tx T in block B is VALID');
    const signature = new Uint8Array(sign('sha256', message, createPrivateKey(PEER_KEY_PEM)));
    expect(await crypto.verifyEcdsaSha256(leaf.spki, message, signature)).toBe(true);
    const changed = message.slice();
    changed[0] = (changed[0] ?? 0) ^ 1;
    expect(await crypto.verifyEcdsaSha256(leaf.spki, changed, signature)).toBe(false);
    expect(derToP1363(signature)?.length).toBe(64);
  });
});

describe('block headers', () => {
  test('when a header is encoded, then it is the ASN.1 DER sequence Fabric hashes', () => {
    const hash = new Uint8Array(32).fill(0xab);
    expect(toHex(headerBytes(0n, new Uint8Array(0), hash))).toBe(`3027020100040004 20${'ab'.repeat(32)}`.replace(' ', ''));
    expect(toHex(headerBytes(128n, hash, hash)).slice(0, 14)).toBe('30480202008004');
  });
});
