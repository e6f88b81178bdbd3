import { conditionFromJson, conditionToJson, crossesThreshold, evaluateCondition, parseCondition } from './conditions';

const threshold = { subjectType: 'output', subjectId: 'out-1', currency: 'JPY', amount: '1000' };

describe('transfer conditions', () => {
  it('when a full condition is parsed, then it is typed, approvals sorted, and round-trips through JSON', () => {
    const condition = parseCondition({
      revenueThreshold: threshold,
      notBefore: '2025-01-01T09:00:00+09:00',
      approvals: ['Studio2MSP', 'LicensorMSP'],
    });
    expect(condition).toEqual({
      revenueThreshold: { subjectType: 'output', subjectId: 'out-1', currency: 'JPY', amount: 1000n },
      notBefore: Date.UTC(2025, 0, 1),
      approvals: ['LicensorMSP', 'Studio2MSP'],
    });
    const json = conditionToJson(condition);
    expect(json.notBefore).toBe('2025-01-01T00:00:00.000Z');
    expect(conditionFromJson(json)).toEqual(condition);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'soon', /condition must be an object/],
    ['empty', {}, /at least one of/],
    ['an unknown clause', { whenever: true }, /unknown clauses: whenever/],
    ['a bad subject type', { revenueThreshold: { ...threshold, subjectType: 'song' } }, /subjectType must be one of/],
    ['a bad currency', { revenueThreshold: { ...threshold, currency: 'yen' } }, /currency/],
    ['a zero threshold', { revenueThreshold: { ...threshold, amount: '0' } }, /greater than zero/],
    ['a numeric threshold', { revenueThreshold: { ...threshold, amount: 1000 } }, /decimal string/],
    ['a bad time', { notBefore: '2025-02-30T00:00:00Z' }, /notBefore must be an RFC 3339 timestamp/],
    ['no approvals listed', { approvals: [] }, /approvals must list/],
    ['repeated approvals', { approvals: ['A', 'A'] }, /repeats/],
    ['a malformed approver', { approvals: ['Bad MSP'] }, /malformed MSP id/],
    ['too many approvals', { approvals: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'] }, /approvals must list/],
  ])('when the condition is %s, then it is refused as INVALID', (_label, value, message) => {
    expect(() => parseCondition(value)).toThrow(message);
    expect(() => parseCondition(value)).toThrow(/^INVALID: /);
  });

  it('when each clause is checked against facts, then all present clauses must hold', () => {
    const condition = parseCondition({ revenueThreshold: threshold, notBefore: '2025-01-01T00:00:00Z', approvals: ['LicensorMSP'] });
    const start = Date.UTC(2025, 0, 1);
    expect(evaluateCondition(condition, { nowMs: start - 1, revenueTotal: 999n, approvedBy: [] })).toEqual({
      met: false,
      unmet: ['revenueThreshold', 'notBefore', 'approvals'],
    });
    expect(evaluateCondition(condition, { nowMs: start, revenueTotal: 1000n, approvedBy: ['Studio1MSP'] }).unmet).toEqual(['approvals']);
    expect(evaluateCondition(condition, { nowMs: start, revenueTotal: 1000n, approvedBy: ['Studio1MSP', 'LicensorMSP'] })).toEqual({
      met: true,
      unmet: [],
    });
  });

  it('when revenue passes the threshold, then only the event that reaches it crosses', () => {
    const condition = parseCondition({ revenueThreshold: threshold });
    expect(crossesThreshold(condition, 0n, 999n)).toBe(false);
    expect(crossesThreshold(condition, 999n, 1000n)).toBe(true);
    expect(crossesThreshold(condition, 1000n, 5000n)).toBe(false);
    expect(crossesThreshold(parseCondition({ approvals: ['A'] }), 0n, 10n)).toBe(false);
  });
});
