import { MerkleTree, verifyExclusion, verifyInclusion, leafHash, decodeProof } from '@kiseki/chaincode/shared/merkle';
import { silentLogger } from '../logger';
import { ledgerReader, type LedgerReader } from '../ledger/client';
import { ContractLedger } from '../testing/contract-ledger';
import { FakeVault } from '../testing/fake-vault';
import { ManifestService, manifestKey } from './manifests';

describe('training manifests and proofs', () => {
  const ids = ['a-01', 'a-03', 'a-05', 'a-07', 'a-09'];
  const tree = MerkleTree.fromSortedIds(ids);
  const root = tree.rootHex();
  let ledger: LedgerReader;
  let vault: FakeVault;
  let manifests: ManifestService;

  beforeEach(async () => {
    const chain = new ContractLedger('Studio1MSP');
    await chain.seed();
    await chain.sealedModel('m1', ids);
    await chain.sealedModel('unsealed', ['b-1', 'b-2'], { seal: false });
    ledger = ledgerReader(chain);
    vault = new FakeVault();
    manifests = new ManifestService(ledger, vault, silentLogger);
  });

  test('when a sealed model is stored, then its manifest is kept under its root and reproduces it', async () => {
    const stored = await manifests.store('m1');
    expect(stored).toMatchObject({ key: manifestKey(root), root, size: 5 });
    const manifest = JSON.parse((vault.objects.get(manifestKey(root))?.bytes ?? Buffer.alloc(0)).toString()) as { ids: string[] };
    expect(manifest.ids).toEqual(ids);
  });

  test('when ids that do not reproduce the root are given, then they are refused and nothing is stored', async () => {
    await expect(manifests.store('m1', ['a-01', 'a-02'])).rejects.toMatchObject({ code: 'INVALID' });
    expect(vault.objects.size).toBe(0);
  });

  test('when the manifest is missing, then a proof rebuilds it from the ledger; the proof verifies', async () => {
    const proof = await manifests.inclusion('m1', 'a-05');
    expect(proof).toMatchObject({ leafIndex: 2, treeSize: 5, root, verified: true });
    expect(verifyInclusion(leafHash('a-05'), 2, 5, decodeProof(proof.auditPath), tree.root())).toBe(true);
    expect(vault.objects.has(manifestKey(root))).toBe(true);
  });

  test("when many callers load a large model's manifest at once, then it is read and checked once and served from its root after", async () => {
    await manifests.store('m1');
    const fresh = new ManifestService(ledger, vault, silentLogger);
    const get = jest.spyOn(vault, 'get');
    const loads = await Promise.all(Array.from({ length: 20 }, () => fresh.load('m1')));
    expect(get).toHaveBeenCalledTimes(1);
    expect(new Set(loads.map((l) => l.manifest)).size).toBe(1);
    await fresh.load('m1');
    expect(get).toHaveBeenCalledTimes(1);
  });

  test('when a tampered manifest is in the vault, then no proof is served from it', async () => {
    await vault.put(manifestKey(root), Buffer.from(JSON.stringify({ ids: ['a-01', 'a-03', 'a-05', 'a-07', 'zzz'] })), 'application/json');
    await expect(manifests.inclusion('m1', 'a-05')).rejects.toMatchObject({ code: 'INVALID' });
  });

  test('when an id was not used, then inclusion is 404 and exclusion proves its absence', async () => {
    await expect(manifests.inclusion('m1', 'a-04')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const exclusion = await manifests.exclusion('m1', 'a-04');
    expect(exclusion.proof.predecessor?.id).toBe('a-03');
    expect(exclusion.proof.successor?.id).toBe('a-05');
    expect(verifyExclusion('a-04', exclusion.proof, tree.root())).toBe(true);
    await expect(manifests.exclusion('m1', 'a-05')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  test('when the model is not sealed, then STATE', async () => {
    await expect(manifests.inclusion('unsealed', 'a-01')).rejects.toMatchObject({ code: 'STATE' });
  });
});
