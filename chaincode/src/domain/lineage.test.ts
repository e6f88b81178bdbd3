import { judgeLineage } from './lineage';

const facts = (modelId: string, status: 'training' | 'sealed' | 'revoked' | undefined, consentRevoked = 0, disputed = 0) => ({
  modelId,
  status,
  consentRevoked,
  disputed,
});

describe('judgeLineage', () => {
  it('when every model is sealed and clean, then authorized', () => {
    expect(judgeLineage([facts('m2', 'sealed'), facts('m1', 'sealed')])).toEqual({ verdict: 'authorized', reasons: [] });
  });

  it('when training items were revoked or disputed after training, then flagged with the counts', () => {
    const judgement = judgeLineage([facts('m2', 'sealed', 2), facts('m1', 'sealed', 0, 1)]);
    expect(judgement.verdict).toBe('flagged');
    expect(judgement.reasons).toEqual([
      'model m2: 2 training items had their consent revoked after training',
      'base model m1: 1 training item is disputed',
    ]);
  });

  it('when a model of the chain is revoked, unsealed or missing, then unauthorized, and flags still listed', () => {
    const judgement = judgeLineage([facts('m3', 'training'), facts('m2', 'revoked', 1), facts('m1', undefined)]);
    expect(judgement.verdict).toBe('unauthorized');
    expect(judgement.reasons).toEqual([
      'model m3 is not sealed (training)',
      'base model m2 is revoked',
      'base model m1 does not exist',
      'base model m2: 1 training item had its consent revoked after training',
    ]);
  });

  it('when the chain is empty, then unauthorized', () => {
    expect(judgeLineage([]).verdict).toBe('unauthorized');
  });
});
