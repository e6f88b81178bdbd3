import type { TermsRecord } from '../shared/records';
import { allowsTrainingAt, trainingRefusal, validityProblem } from './terms';

const terms = (overrides: Partial<TermsRecord> = {}): TermsRecord => ({
  docType: 'terms',
  termsId: 't-1',
  issuerMsp: 'LicensorMSP',
  aiTraining: true,
  commercialUse: true,
  derivatives: false,
  attribution: true,
  territory: 'JP',
  validFrom: '2025-01-01T00:00:00.000Z',
  validUntil: '2026-01-01T00:00:00.000Z',
  dataPoolShareBps: 2500,
  legalTextDigest: 'a'.repeat(64),
  createdBy: 'LicensorMSP',
  createdAt: '2025-01-01T00:00:00.000Z',
  ...overrides,
});

describe('trainingRefusal', () => {
  const from = Date.UTC(2025, 0, 1);
  const until = Date.UTC(2026, 0, 1);

  it('when inside the window, then training is allowed (start inclusive)', () => {
    expect(trainingRefusal(terms(), from)).toBeUndefined();
    expect(allowsTrainingAt(terms(), until - 1)).toBe(true);
  });

  it('when before the window, at its end or after it, then refused', () => {
    expect(trainingRefusal(terms(), from - 1)).toMatch(/not valid before/);
    expect(trainingRefusal(terms(), until)).toMatch(/expired/);
  });

  it('when the terms forbid AI training, then refused whatever the time', () => {
    expect(trainingRefusal(terms({ aiTraining: false }), from)).toMatch(/do not allow AI training/);
  });

  it('when open-ended, then allowed far in the future', () => {
    expect(allowsTrainingAt(terms({ validUntil: undefined }), Date.UTC(2100, 0, 1))).toBe(true);
  });
});

describe('validityProblem', () => {
  it('requires the end after the start', () => {
    expect(validityProblem('2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toMatch(/later/);
    expect(validityProblem('2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toBeUndefined();
    expect(validityProblem('2025-01-01T00:00:00Z', undefined)).toBeUndefined();
  });
});
