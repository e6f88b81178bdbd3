import fc from 'fast-check';

import { compareIds } from '../shared/merkle';
import { ID_PATTERN } from '../shared/validate';

import { Keys, compositeKey, lastAttribute, splitCompositeKey } from './keys';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ShimStub = require('fabric-shim/lib/stub.js') as {
  prototype: { createCompositeKey(type: string, attributes: string[]): string };
};

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const idChars = 'AZaz09._:-'.split('').concat(['a', 'b', 'c', '0', '1']);
const anId = fc
  .array(fc.constantFrom(...idChars), { minLength: 1, maxLength: 12 })
  .map((chars) => chars.join(''))
  .filter((id) => ID_PATTERN.test(id));

describe('composite keys', () => {
  it('are byte-identical to fabric-shim createCompositeKey', () => {
    expect(compositeKey('usage', ['d-1', 'm-1'])).toBe(ShimStub.prototype.createCompositeKey('usage', ['d-1', 'm-1']));
    expect(Keys.modelProviderCount('m', 'p')).toBe(ShimStub.prototype.createCompositeKey('modelProviderCount', ['m', 'p']));
  });

  it('split back into their parts', () => {
    expect(splitCompositeKey(Keys.trainingSet('m-1', 'd-9'))).toEqual({ objectType: 'trainingSet', attributes: ['m-1', 'd-9'] });
    expect(lastAttribute(Keys.usage('d-1', 'm-2'))).toBe('m-2');
  });

  it('refuse parts that would break the layout', () => {
    expect(() => compositeKey('t', ['a\u0000b'])).toThrow();
    expect(() => compositeKey('t', [''])).toThrow();
  });

  it('of one model sort exactly as the Merkle leaf order of their dataIds', () => {
    fc.assert(
      fc.property(anId, anId, anId, (modelId, a, b) => {
        const byKey = Math.sign(utf8Order(Keys.trainingSet(modelId, a), Keys.trainingSet(modelId, b)));
        expect(byKey).toBe(Math.sign(compareIds(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('of one model sort as the Merkle order for prefixes too (d-1 before d-1.5 before d-10)', () => {
    const ids = ['d-10', 'd-1.5', 'd-1', 'd-1:a', 'D-2'];
    const byKey = [...ids].sort((x, y) => utf8Order(Keys.trainingSet('m', x), Keys.trainingSet('m', y)));
    expect(byKey).toEqual([...ids].sort(compareIds));
  });
});
