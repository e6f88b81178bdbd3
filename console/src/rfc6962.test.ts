import { exclusionProof, inclusionProof, encodeProof, merkleRoot } from '@kiseki/chaincode/shared/merkle';
import { leafHash, verifyExclusion, verifyInclusion } from './rfc6962';

/** The browser's proof checks against the chaincode's own tree, for every position of small trees. */

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `cel-${String(i * 2).padStart(3, '0')}`);

describe('browser RFC 6962 checks', () => {
  test("when a proof comes from the ledger's tree, then every leaf of trees of 1..9 verifies and a wrong leaf does not", async () => {
    for (let n = 1; n <= 9; n += 1) {
      const leaves = ids(n);
      const root = merkleRoot(leaves).toString('hex');
      for (let i = 0; i < n; i += 1) {
        const path = encodeProof(inclusionProof(leaves, i));
        expect(await verifyInclusion(await leafHash(leaves[i] as string), i, n, path, root)).toBe(true);
        expect(await verifyInclusion(await leafHash('other'), i, n, path, root)).toBe(false);
      }
    }
  });

  test('when an id is absent, then its exclusion proof verifies; a present id cannot be proven absent', async () => {
    const leaves = ids(7);
    const root = merkleRoot(leaves).toString('hex');
    for (const absent of ['cel-', 'cel-001', 'cel-005', 'cel-013', 'zzz']) {
      const wire = exclusionProof(leaves, absent);
      expect(await verifyExclusion(absent, wire, root)).toBe(true);
      expect(await verifyExclusion(absent, wire, '00'.repeat(32))).toBe(false);
    }
    const around = exclusionProof(leaves, 'cel-003');
    // A proof for another gap must not prove a present id absent.
    const forged = { size: around.size, ...(around.predecessor ? { predecessor: around.predecessor } : {}) };
    expect(await verifyExclusion('cel-004', forged, root)).toBe(false);
  });
});
