import type { Contract } from 'fabric-contract-api';

import { ContractNames, Transactions } from './shared/names';
import { MemoryLedger, declaredTransactions, dispatch, shimChaincode } from './testing/memory-stub';
import { ProvenanceWorld, loadCollections, refusal } from './testing/provenance-fixtures';
import { contracts } from './index';

const provenance = [
  ContractNames.terms,
  ContractNames.providers,
  ContractNames.data,
  ContractNames.models,
  ContractNames.outputs,
  ContractNames.reviews,
] as const;
const instances = new Map<string, Contract>(
  contracts.map((Class) => {
    const contract = new Class();
    return [contract.getName(), contract];
  }),
);

describe('chaincode entry', () => {
  it('exports every provenance contract under its DESIGN name', () => {
    for (const name of provenance) expect(instances.has(name)).toBe(true);
  });

  it.each(provenance)('%s declares exactly the transactions of shared/names, each with one string argument', (name) => {
    const declared = declaredTransactions(instances.get(name) as Contract);
    expect(declared.map((tx) => tx.name).sort()).toEqual(Object.values(Transactions[name]).sort());
    for (const tx of declared) expect(tx.parameters).toEqual([expect.objectContaining({ schema: { type: 'string' } })]);
  });

  describe('access', () => {
    const world = new ProvenanceWorld();
    const cases = provenance.flatMap((name) =>
      declaredTransactions(instances.get(name) as Contract).map((tx) => [name, tx.name, tx.tag?.includes('SUBMIT') ?? false] as const),
    );

    it.each(cases.filter(([, , submit]) => submit))('the regulator may never write: %s:%s', async (name, fn) => {
      const error = await refusal(world.invoke(name, fn, 'RegulatorMSP', '{}'));
      expect(error.message).toMatch(/^FORBIDDEN: RegulatorMSP \(regulator\) may not /);
    });

    it.each(cases)('an org outside the consortium may do nothing: %s:%s', async (name, fn) => {
      expect((await refusal(world.invoke(name, fn, 'OutsiderMSP', '{}'))).message).toMatch(/^FORBIDDEN: OutsiderMSP is not an org/);
    });
  });
});

describe('through fabric-shim’s own dispatcher', () => {
  const chaincode = shimChaincode(contracts);
  const digest = 'a'.repeat(64);

  it('serves the provenance transactions, answers codes in messages, and emits one event per write', async () => {
    const ledger = new MemoryLedger({ collections: loadCollections() });
    const run = (mspId: string, fcn: string, arg: unknown) =>
      dispatch(ledger, chaincode, fcn, mspId, [typeof arg === 'string' ? arg : JSON.stringify(arg)]);
    const steps: [string, string, unknown][] = [
      [
        'LicensorMSP',
        'terms:Publish',
        {
          termsId: 't1',
          aiTraining: true,
          commercialUse: true,
          derivatives: true,
          attribution: true,
          territory: 'JP',
          validFrom: '2020-01-01T00:00:00Z',
          dataPoolShareBps: 100,
          legalTextDigest: digest,
        },
      ],
      ['Studio1MSP', 'providers:Register', { providerId: 'p1', payoutRefDigest: digest }],
      [
        'Studio1MSP',
        'data:RegisterBatch',
        { items: [{ dataId: 'd1', providerId: 'p1', termsId: 't1', contentDigest: digest, mediaType: 'image/png', size: 3 }] },
      ],
      ['Studio1MSP', 'models:Register', { modelId: 'm1' }],
      ['Studio1MSP', 'models:AttestTrainingBatch', { modelId: 'm1', dataIds: ['d1'] }],
      ['Studio1MSP', 'models:Seal', { modelId: 'm1' }],
      ['Studio1MSP', 'outputs:Register', { outputId: 'o1', modelId: 'm1', contentDigest: digest, mediaType: 'image/png', rightsIds: [] }],
    ];
    for (const [mspId, fcn, arg] of steps) {
      const response = await run(mspId, fcn, arg);
      expect([fcn, response.status, response.eventCount]).toEqual([fcn, 200, 1]);
    }
    const verified = await run('RegulatorMSP', 'outputs:Verify', 'o1');
    expect(JSON.parse(verified.payload)).toMatchObject({ verdict: 'authorized' });
    const refused = await run('RegulatorMSP', 'models:Seal', { modelId: 'm1' });
    expect(refused.status).toBe(500);
    expect(refused.message).toMatch(/^FORBIDDEN: RegulatorMSP/);
  });
});
