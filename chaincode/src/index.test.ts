import type { Contract } from 'fabric-contract-api';

import { ContractNames, Transactions } from './shared/names';
import { declaredTransactions } from './testing/memory-stub';
import { ProvenanceWorld, refusal } from './testing/provenance-fixtures';
import { contracts } from './index';

const provenance = [ContractNames.terms, ContractNames.providers, ContractNames.data, ContractNames.models, ContractNames.outputs] as const;
const instances = new Map<string, Contract>(contracts.map((Class) => {
  const contract = new Class();
  return [contract.getName(), contract];
}));

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
