import { isEndorsementSkew } from './fabric-ledger';

describe('endorsement skew', () => {
  const endorseError = (messages: string[]): Error =>
    Object.assign(new Error('10 ABORTED: failed to collect enough transaction endorsements'), {
      details: messages.map((message, i) => ({ address: `127.0.0.1:${20100 + i}`, mspId: 'X', message })),
    });

  it('when the peers only disagree on results, then the submit is retried with a fresh proposal', () => {
    expect(isEndorsementSkew(endorseError(['ProposalResponsePayloads do not match', 'ProposalResponsePayloads do not match']))).toBe(true);
  });

  it('when a peer refused in the chaincode, then it is not retried', () => {
    expect(isEndorsementSkew(endorseError(['chaincode response 500, CONFLICT: x exists', 'ProposalResponsePayloads do not match']))).toBe(false);
    expect(isEndorsementSkew(new Error('14 UNAVAILABLE'))).toBe(false);
  });
});
