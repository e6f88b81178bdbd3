import { DataType, ModelType } from './records';

describe('record types', () => {
  const model = {
    docType: 'model',
    modelId: 'm-1',
    ownerMsp: 'Studio1MSP',
    lineageDepth: 0,
    status: 'training',
    frontier: { size: 0, nodes: [] },
    trainingSize: 0,
    batchCount: 0,
    providerCount: 0,
    createdBy: 'Studio1MSP',
    createdAt: '2025-01-01T00:00:00.000Z',
  };

  it('when a record is well formed, then it parses without issues', () => {
    expect(ModelType.parse(model).issues).toEqual([]);
  });

  it('when a record has the wrong docType, bad fields or unknown ones, then every issue is reported', () => {
    const { issues } = ModelType.parse({ ...model, docType: 'data', frontier: { size: 1, nodes: [] }, status: 'done', extra: 1 });
    expect(issues.map((issue) => issue.path)).toEqual(['docType', 'status', 'frontier', 'extra']);
  });

  it('when a data record lacks fields, then they are reported', () => {
    const { issues } = DataType.parse({ docType: 'data', dataId: 'd-1' });
    expect(issues.length).toBeGreaterThan(5);
  });
});
