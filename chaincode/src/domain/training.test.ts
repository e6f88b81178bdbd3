import type { DataRecord, TermsRecord } from '../shared/records';
import { checkBatchItems, orderingProblems, poolShareBps, tally } from './training';

const terms: TermsRecord = {
  docType: 'terms',
  termsId: 't-1',
  issuerMsp: 'LicensorMSP',
  aiTraining: true,
  commercialUse: true,
  derivatives: true,
  attribution: false,
  territory: 'worldwide',
  validFrom: '2025-01-01T00:00:00.000Z',
  dataPoolShareBps: 1000,
  legalTextDigest: 'a'.repeat(64),
  createdBy: 'LicensorMSP',
  createdAt: '2025-01-01T00:00:00.000Z',
};

const data = (dataId: string, status: DataRecord['status'] = 'active'): DataRecord => ({
  docType: 'data',
  dataId,
  providerId: 'p-1',
  collectorMsp: 'Studio1MSP',
  termsId: 't-1',
  contentDigest: 'b'.repeat(64),
  mediaType: 'image/png',
  size: 1,
  status,
  createdBy: 'Studio1MSP',
  createdAt: '2025-01-01T00:00:00.000Z',
});

describe('orderingProblems', () => {
  it('when ids strictly increase after the last id, then nothing', () => {
    expect(orderingProblems(['b', 'c', 'c0'], 'a')).toEqual([]);
    expect(orderingProblems(['a'], undefined)).toEqual([]);
  });

  it('when several ids are out of order, then every one is named', () => {
    const problems = orderingProblems(['a', 'c', 'b', 'b', 'd'], 'a');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/dataIds\[0\] a .*previous batches a/);
    expect(problems[1]).toMatch(/dataIds\[2\] b/);
    expect(problems[2]).toMatch(/dataIds\[3\] b/);
  });

  it('uses UTF-8 byte order (uppercase before lowercase, prefix first)', () => {
    expect(orderingProblems(['Z', 'a', 'a.', 'a0'], undefined)).toEqual([]);
  });
});

describe('checkBatchItems', () => {
  const now = Date.UTC(2025, 5, 1);

  it('names every missing and every refused item', () => {
    const result = checkBatchItems(
      [
        { dataId: 'a', data: data('a'), terms },
        { dataId: 'b', data: undefined, terms: undefined },
        { dataId: 'c', data: data('c', 'consent-revoked'), terms },
        { dataId: 'd', data: data('d', 'disputed'), terms },
        { dataId: 'e', data: data('e'), terms: { ...terms, aiTraining: false } },
        { dataId: 'f', data: data('f'), terms: undefined },
        { dataId: 'g', data: undefined, terms: undefined },
      ],
      now,
    );
    expect(result.missing).toEqual(['b', 'g']);
    expect(result.refused).toEqual([
      'c: status is consent-revoked',
      'd: status is disputed',
      'e: terms t-1 do not allow AI training',
      'f: terms t-1 do not exist',
    ]);
  });

  it('refuses items whose terms are not valid at the transaction time', () => {
    const result = checkBatchItems([{ dataId: 'a', data: data('a'), terms }], Date.UTC(2024, 0, 1));
    expect(result.refused).toEqual(['a: terms t-1 are not valid before 2025-01-01T00:00:00.000Z']);
  });
});

describe('tally and poolShareBps', () => {
  it('counts in key order', () => {
    expect(tally(['p2', 'p1', 'p2', 'P3'])).toEqual([
      ['P3', 1],
      ['p1', 1],
      ['p2', 2],
    ]);
  });

  it('keeps the minimum share', () => {
    expect(poolShareBps(undefined, [])).toBeUndefined();
    expect(poolShareBps(undefined, [3000, 2000])).toBe(2000);
    expect(poolShareBps(1500, [3000])).toBe(1500);
  });
});
