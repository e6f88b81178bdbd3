import {
  EMPTY_FRONTIER,
  EMPTY_ROOT_HEX,
  MerkleTree,
  consistencyProof,
  frontierAppend,
  frontierRoot,
  inclusionProof,
  leafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle';

/*
 * Published RFC 6962 reference vectors, as used by Certificate Transparency implementations:
 * transparency-dev/merkle, testonly/constants.go (LeafInputs, NodeHashes, RootHashes, CompactTrees)
 * and proof/verify_test.go (inclusionProofs, consistencyProofs; its leaf numbers are 1-based, the
 * indices below are 0-based). The same vectors appear in google/certificate-transparency's
 * merkle_tree_test. Hard-coded so that a regression cannot hide behind a reference of our own.
 */

const h = (hex: string): Buffer => Buffer.from(hex, 'hex');

const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);

/** NodeHashes(): [level][index] of every complete subtree of the 8-leaf tree. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** RootHashes(): the root for tree sizes 0..8. */
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const node = (level: number, index: number): string => NODE_HASHES[level]?.[index] ?? '';

/** CompactTrees(): the perfect-subtree roots of each size, largest first. */
const COMPACT_TREES: string[][] = [
  [],
  [node(0, 0)],
  [node(1, 0)],
  [node(1, 0), node(0, 2)],
  [node(2, 0)],
  [node(2, 0), node(0, 4)],
  [node(2, 0), node(1, 2)],
  [node(2, 0), node(1, 2), node(0, 6)],
  [node(3, 0)],
];

const INCLUSION_VECTORS: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY_VECTORS: { oldSize: number; newSize: number; proof: string[] }[] = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const SOME_HASH = h('abacaba000000000000000000000000000000000000000000060061e00123456');
const EMPTY_ROOT = h(EMPTY_ROOT_HEX);
const root = (size: number): Buffer => h(ROOTS[size] ?? '');
const hexes = (proof: readonly Buffer[]): string[] => proof.map((hash) => hash.toString('hex'));

function flipped(proof: readonly Buffer[], at: number, mask: number): Buffer[] {
  return proof.map((hash, i) => {
    if (i !== at) return hash;
    const copy = Buffer.from(hash);
    copy[0] = (copy[0] ?? 0) ^ mask;
    return copy;
  });
}

describe('RFC 6962 reference vectors', () => {
  it('when the empty string is hashed, then it is the empty-tree root', () => {
    expect(merkleRoot([]).toString('hex')).toBe(ROOTS[0]);
    expect(MerkleTree.fromLeafInputs([]).rootHex()).toBe(ROOTS[0]);
    expect(frontierRoot(EMPTY_FRONTIER).toString('hex')).toBe(ROOTS[0]);
  });

  it('when each reference leaf is hashed, then it matches the published leaf hash', () => {
    expect(LEAF_INPUTS.map((input) => leafHash(input).toString('hex'))).toEqual(NODE_HASHES[0]);
  });

  it.each(ROOTS.map((expected, size) => [size, expected] as const))(
    'when the first %i leaves are rooted, then every construction gives %s',
    (size, expected) => {
      const inputs = LEAF_INPUTS.slice(0, size);
      const tree = MerkleTree.fromLeafInputs(inputs);
      expect(merkleRoot(inputs).toString('hex')).toBe(expected);
      expect(tree.rootHex()).toBe(expected);
      const frontier = frontierAppend(EMPTY_FRONTIER, inputs);
      expect(frontier).toEqual({ size, nodes: COMPACT_TREES[size] });
      expect(tree.frontier()).toEqual(frontier);
      expect(frontierRoot(frontier).toString('hex')).toBe(expected);
    },
  );

  it('when leaves are appended one at a time, then each frontier is the published compact tree', () => {
    let frontier = EMPTY_FRONTIER;
    for (let size = 1; size <= LEAF_INPUTS.length; size += 1) {
      frontier = frontierAppend(frontier, LEAF_INPUTS.slice(size - 1, size));
      expect(frontier.nodes).toEqual(COMPACT_TREES[size]);
      expect(frontierRoot(frontier).toString('hex')).toBe(ROOTS[size]);
    }
  });

  describe.each(INCLUSION_VECTORS)('inclusion of leaf $index in a tree of $size', ({ index, size, proof }) => {
    const inputs = LEAF_INPUTS.slice(0, size);
    const leaf = leafHash(LEAF_INPUTS[index] ?? Buffer.alloc(0));
    const expected = proof.map(h);

    it('when the proof is built, then it is the published audit path', () => {
      expect(hexes(inclusionProof(inputs, index))).toEqual(proof);
      expect(hexes(MerkleTree.fromLeafInputs(inputs).inclusionProof(index))).toEqual(proof);
    });

    it('when the published path is verified, then it holds', () => {
      expect(verifyInclusion(leaf, index, size, expected, root(size))).toBe(true);
    });

    // The corruptions transparency-dev's verifier tests apply to each known-good proof.
    it('when the proof, index, size, leaf or root is corrupted, then it fails', () => {
      const probes: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [index - 1, size, leaf, expected, root(size)],
        [index + 1, size, leaf, expected, root(size)],
        [index ^ 2, size, leaf, expected, root(size)],
        [index, size * 2, leaf, expected, root(size)],
        [index, Math.floor(size / 2), leaf, expected, root(size)],
        [index, size, Buffer.from('WrongLeaf'), expected, root(size)],
        [index, size, SOME_HASH, expected, root(size)],
        [index, size, leaf, expected, EMPTY_ROOT],
        [index, size, leaf, expected, SOME_HASH],
        [index, size, leaf, [...expected, Buffer.alloc(0)], root(size)],
        [index, size, leaf, [...expected, root(size)], root(size)],
        [index, size, leaf, [Buffer.alloc(0), ...expected], root(size)],
        [index, size, leaf, [root(size), ...expected], root(size)],
        ...expected.map((_, i): [number, number, Uint8Array, Uint8Array[], Uint8Array] => [
          index,
          size,
          leaf,
          flipped(expected, i, 8),
          root(size),
        ]),
      ];
      if (expected.length > 0) probes.push([index, size, leaf, expected.slice(0, -1), root(size)]);
      if (expected.length > 1) {
        probes.push([index, size, leaf, [expected[0] as Buffer, SOME_HASH, ...expected.slice(1)], root(size)]);
      }
      for (const [i, n, l, p, r] of probes) expect(verifyInclusion(l, i, n, p, r)).toBe(false);
    });
  });

  describe.each(CONSISTENCY_VECTORS)('consistency from $oldSize to $newSize', ({ oldSize, newSize, proof }) => {
    const expected = proof.map(h);

    it('when the proof is built, then it is the published proof', () => {
      expect(hexes(consistencyProof(LEAF_INPUTS.slice(0, newSize), oldSize))).toEqual(proof);
    });

    it('when the published proof is verified, then it holds', () => {
      expect(verifyConsistency(oldSize, newSize, root(oldSize), root(newSize), expected)).toBe(true);
    });

    it('when the proof, sizes or roots are corrupted, then it fails', () => {
      if (expected.length === 0) return; // trivial proofs are covered by the edge cases below
      const r1 = root(oldSize);
      const r2 = root(newSize);
      const wrong = Buffer.from('WrongRoot');
      const probes: [number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        [oldSize - 1, newSize, r1, r2, expected],
        [oldSize + 1, newSize, r1, r2, expected],
        [oldSize ^ 2, newSize, r1, r2, expected],
        [oldSize, newSize * 2, r1, r2, expected],
        [oldSize, Math.floor(newSize / 2), r1, r2, expected],
        [oldSize, newSize, wrong, r2, expected],
        [oldSize, newSize, r1, wrong, expected],
        [oldSize, newSize, SOME_HASH, r2, expected],
        [oldSize, newSize, r2, r1, expected],
        [oldSize, newSize, r1, r2, []],
        [oldSize, newSize, r1, r2, [...expected, Buffer.alloc(0)]],
        [oldSize, newSize, r1, r2, [...expected, r1]],
        [oldSize, newSize, r1, r2, [...expected, r2]],
        [oldSize, newSize, r1, r2, [Buffer.alloc(0), ...expected]],
        [oldSize, newSize, r1, r2, [r1, ...expected]],
        [oldSize, newSize, r1, r2, [r2, ...expected]],
        [oldSize, newSize, r1, r2, [expected[0] as Buffer, ...expected]],
        [oldSize, newSize, r1, r2, expected.slice(0, -1)],
        ...expected.map((_, i): [number, number, Uint8Array, Uint8Array, Uint8Array[]] => [
          oldSize,
          newSize,
          r1,
          r2,
          flipped(expected, i, 16),
        ]),
      ];
      for (const [m, n, a, b, p] of probes) expect(verifyConsistency(m, n, a, b, p)).toBe(false);
    });
  });

  // RFC 9162 §2.1.4.2 edge cases, as transparency-dev's TestVerifyConsistency lists them.
  it('when sizes are trivial or go backwards, then only the consistent cases hold', () => {
    const a = SOME_HASH;
    const b = root(3);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])).toBe(true);
    expect(verifyConsistency(0, 1, EMPTY_ROOT, b, [])).toBe(true);
    expect(verifyConsistency(1, 1, b, b, [])).toBe(true);
    expect(verifyConsistency(0, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 0, a, b, [])).toBe(false);
    expect(verifyConsistency(2, 1, a, b, [])).toBe(false);
    expect(verifyConsistency(1, 2, a, b, [])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
  });

  it('when an index does not fit the size, then no inclusion holds', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
    ] as const) {
      expect(verifyInclusion(SOME_HASH, index, size, [], Buffer.alloc(0))).toBe(false);
      expect(verifyInclusion(Buffer.alloc(0), index, size, [], EMPTY_ROOT)).toBe(false);
      expect(verifyInclusion(SOME_HASH, index, size, [], EMPTY_ROOT)).toBe(false);
    }
    const single = leafHash(Buffer.from('data'));
    expect(verifyInclusion(single, 0, 1, [], single)).toBe(true);
    expect(verifyInclusion(single, 0, 1, [], Buffer.alloc(0))).toBe(false);
    expect(verifyInclusion(Buffer.alloc(0), 0, 1, [], single)).toBe(false);
  });
});
