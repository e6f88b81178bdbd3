import { createHash } from 'node:crypto';
import { exclusionProof, MerkleTree } from '../src/shared/merkle';
import { Clients, errorText, evaluateJson, runId, submitJson } from '../../network/test/support/test-network';

/**
 * Provenance on the real network: a provider's data from registration through a two-batch model to a
 * verified output, the refusals that keep outputs honest, and proofs the regulator checks on its own peer.
 */

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** RFC 6962 §2.1 written out independently of the project's Merkle library (recursive MTH). */
function independentRoot(ids: readonly string[]): string {
  const h = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
  const mth = (leaves: readonly Buffer[]): Buffer => {
    if (leaves.length === 0) return h();
    if (leaves.length === 1) return h(Buffer.from([0]), leaves[0] as Buffer);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return h(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
  };
  const sorted = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return mth(sorted.map((id) => Buffer.from(id, 'utf8'))).toString('hex');
}

interface ModelRecord {
  modelId: string;
  status: string;
  trainingRoot?: string;
  trainingSize: number;
}
interface VerifyResult {
  verdict: string;
  reasons: string[];
  lineage: unknown;
}
interface ProofAnswer {
  valid: boolean;
}

const id = (name: string): string => `${name}-${runId}`;
const termsId = id('terms');
const providerId = id('prov');
const dataIds = Array.from({ length: 7 }, (_, i) => id(`img-${String(i).padStart(2, '0')}`));
const modelId = id('model');
let clients: Clients;

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => errorText(error),
  );
}

function item(dataId: string) {
  return { dataId, providerId, termsId, contentDigest: sha256(`content of ${dataId}`), mediaType: 'image/png', size: 2048 };
}

beforeAll(async () => {
  clients = await Clients.create();
  const licensor = clients.org('LicensorMSP');
  const studio = clients.org('Studio1MSP');
  await submitJson(licensor, 'terms:Publish', {
    termsId,
    aiTraining: true,
    commercialUse: true,
    derivatives: true,
    attribution: true,
    territory: 'JP',
    validFrom: '2024-01-01T00:00:00Z',
    dataPoolShareBps: 2500,
    legalTextDigest: sha256('licence text'),
  });
  await submitJson(studio, 'providers:Register', { providerId, payoutRefDigest: sha256('payout ref') });
  await submitJson(studio, 'data:RegisterBatch', { items: dataIds.map(item) });
});
afterAll(() => {
  clients.closeAll();
});

describe('provenance on the real network', () => {
  it('when a model is trained in two batches and sealed, then its root is the RFC 6962 root of its ids, and an output on it verifies', async () => {
    const studio = clients.org('Studio1MSP');
    const trained = dataIds.slice(0, 6);
    await submitJson(studio, 'models:Register', { modelId });
    await submitJson(studio, 'models:AttestTrainingBatch', { modelId, dataIds: trained.slice(0, 3) });
    await submitJson(studio, 'models:AttestTrainingBatch', { modelId, dataIds: trained.slice(3) });
    const sealed = await submitJson<ModelRecord>(studio, 'models:Seal', { modelId });
    expect(sealed).toMatchObject({ status: 'sealed', trainingSize: 6 });
    expect(sealed.trainingRoot).toBe(independentRoot(trained));

    const outputId = id('output');
    await submitJson(studio, 'outputs:Register', {
      outputId,
      modelId,
      contentDigest: sha256(`output ${outputId}`),
      mediaType: 'image/png',
      rightsIds: [],
    });
    const verdict = await evaluateJson<VerifyResult>(clients.org('RegulatorMSP'), 'outputs:Verify', outputId);
    expect(verdict.verdict).toBe('authorized');
    expect(JSON.stringify(verdict.lineage)).toContain(sealed.trainingRoot);
    expect(JSON.stringify(verdict.lineage)).toContain(termsId);
  });

  it('when the regulator checks inclusion and exclusion proofs on its own peer, then true proofs pass and a tampered one fails', async () => {
    const regulator = clients.org('RegulatorMSP');
    const page = await evaluateJson<{ ids: string[] }>(regulator, 'models:ListTrainingIds', JSON.stringify({ modelId, pageSize: 1000 }));
    expect(page.ids).toEqual(dataIds.slice(0, 6));
    const tree = MerkleTree.fromSortedIds(page.ids);
    const index = 4;
    const path = tree.inclusionProof(index).map((node) => node.toString('hex'));
    const inclusion = (p: string[]) =>
      evaluateJson<ProofAnswer>(regulator, 'models:VerifyInclusion', JSON.stringify({ modelId, dataId: page.ids[index], index, path: p }));
    expect((await inclusion(path)).valid).toBe(true);
    const tampered = [...path];
    tampered[0] = (tampered[0] as string).replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect((await inclusion(tampered)).valid).toBe(false);

    const absent = dataIds[6] as string; // registered, never trained: "your data was not used"
    const proof = exclusionProof(page.ids, absent);
    const excluded = await evaluateJson<ProofAnswer>(
      regulator,
      'models:VerifyExclusion',
      JSON.stringify({ modelId, dataId: absent, proof }),
    );
    expect(excluded.valid).toBe(true);
    const present = await evaluateJson<ProofAnswer>(
      regulator,
      'models:VerifyExclusion',
      JSON.stringify({ modelId, dataId: page.ids[2], proof }),
    );
    expect(present.valid).toBe(false);
  });

  it("when an item's consent is revoked, then training on it is refused naming the item", async () => {
    const studio = clients.org('Studio1MSP');
    const revoked = id('revoked-item');
    await submitJson(studio, 'data:Register', item(revoked));
    await submitJson(studio, 'data:RevokeConsent', { dataId: revoked, reason: 'provider withdrew consent' });
    const other = id('model-on-revoked');
    await submitJson(studio, 'models:Register', { modelId: other });
    const text = await refusal(submitJson(studio, 'models:AttestTrainingBatch', { modelId: other, dataIds: [revoked] }));
    expect(text).toMatch(/STATE: .*batch refused/);
    expect(text).toContain(revoked);
    const model = await evaluateJson<ModelRecord>(studio, 'models:Get', other);
    expect(model.trainingSize).toBe(0);
  });

  it('when an output names an unsealed model, then registration is refused with STATE and nothing is written', async () => {
    const studio = clients.org('Studio1MSP');
    const unsealed = id('unsealed');
    await submitJson(studio, 'models:Register', { modelId: unsealed });
    await submitJson(studio, 'models:AttestTrainingBatch', { modelId: unsealed, dataIds: [dataIds[0]] });
    const outputId = id('early-output');
    const text = await refusal(
      submitJson(studio, 'outputs:Register', {
        outputId,
        modelId: unsealed,
        contentDigest: sha256(outputId),
        mediaType: 'image/png',
        rightsIds: [],
      }),
    );
    expect(text).toMatch(/STATE: /);
    expect(await refusal(evaluateJson(studio, 'outputs:Get', outputId))).toMatch(/NOT_FOUND/);
  });

  it('when the regulator tries to write, then it is refused with FORBIDDEN', async () => {
    const regulator = clients.org('RegulatorMSP');
    const text = await refusal(submitJson(regulator, 'data:Register', item(id('regulator-item'))));
    expect(text).toMatch(/FORBIDDEN/);
    expect(await refusal(submitJson(regulator, 'models:Register', { modelId: id('regulator-model') }))).toMatch(/FORBIDDEN/);
  });
});
