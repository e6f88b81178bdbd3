import { fabricToAppError } from './errors';

/** Lookalikes of @hyperledger/fabric-gateway's errors (same name and shape). */
function fabricError(
  name: string,
  props: { code: number; message?: string; details?: { address: string; message: string; mspId: string }[]; transactionId?: string },
): Error {
  const error = new Error(props.message ?? `${props.code} ${name}`);
  error.name = name;
  return Object.assign(error, { details: [], ...props });
}

describe('Fabric error conversion', () => {
  test('when an endorser returns a chaincode code, then it maps to its 4xx with the chaincode message', () => {
    const cases: [string, number][] = [
      ['INVALID', 400],
      ['FORBIDDEN', 403],
      ['NOT_FOUND', 404],
      ['CONFLICT', 409],
      ['STATE', 409],
    ];
    for (const [code, status] of cases) {
      const error = fabricError('EndorseError', {
        code: 10,
        message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
        details: [{ address: 'peer0:7051', mspId: 'Studio1MSP', message: `chaincode response 500, ${code}: data d1 refused` }],
        transactionId: 'ab',
      });
      const converted = fabricToAppError(error);
      expect(converted.httpStatus).toBe(status);
      expect(converted.message).toBe(`${code}: data d1 refused`);
    }
  });

  test('when an evaluate fails with a code in its message, then it maps too', () => {
    expect(
      fabricToAppError(
        fabricError('GatewayError', { code: 2, message: '2 UNKNOWN: evaluate call to endorser returned error: NOT_FOUND: model m' }),
      ).httpStatus,
    ).toBe(404);
  });

  test('when endorsement fails without a code, then 502 with the transaction ID', () => {
    const converted = fabricToAppError(
      fabricError('EndorseError', { code: 10, details: [{ address: 'p', mspId: 'M', message: 'policy' }], transactionId: 'tx1' }),
    );
    expect(converted).toMatchObject({ code: 'ENDORSEMENT_FAILED', httpStatus: 502, transactionId: 'tx1', outcomeUnknown: false });
  });

  test('when the peer is unreachable, then 503 with Retry-After', () => {
    const converted = fabricToAppError(fabricError('EndorseError', { code: 14, transactionId: 'tx2' }));
    expect(converted).toMatchObject({ code: 'UNAVAILABLE', httpStatus: 503, transactionId: 'tx2' });
    expect(converted.headers['Retry-After']).toBe('5');
  });

  test('when the commit status times out, then 504 with the transaction ID and an unknown outcome', () => {
    const converted = fabricToAppError(fabricError('CommitStatusError', { code: 4, transactionId: 'tx3' }));
    expect(converted).toMatchObject({ code: 'TIMEOUT', httpStatus: 504, transactionId: 'tx3', outcomeUnknown: true });
    expect(converted.message).toContain('/v1/transactions/tx3');
  });

  test('when the orderer refuses, then 502 and the outcome is treated as unknown', () => {
    expect(fabricToAppError(fabricError('SubmitError', { code: 9, transactionId: 'tx4' }))).toMatchObject({
      code: 'COMMIT_FAILED',
      httpStatus: 502,
      outcomeUnknown: true,
    });
  });

  test('when a transaction is invalidated, then 502 naming the validation code', () => {
    const converted = fabricToAppError(
      fabricError('CommitError', {
        code: 10,
        transactionId: 'tx5',
        message: 'Transaction tx5 failed to commit with status code 10 (ENDORSEMENT_POLICY_FAILURE)',
      }),
    );
    expect(converted).toMatchObject({ code: 'COMMIT_FAILED', httpStatus: 502, transactionId: 'tx5' });
    expect(converted.message).toContain('ENDORSEMENT_POLICY_FAILURE');
  });

  test('when something unexpected is thrown, then 500 with a generic message', () => {
    const converted = fabricToAppError(new TypeError('x is undefined'));
    expect(converted).toMatchObject({ code: 'INTERNAL', httpStatus: 500, message: 'unexpected ledger failure' });
  });

  test('when no orderer takes a transaction, then 503 naming the orderers tried, not the peer', () => {
    const converted = fabricToAppError(
      fabricError('SubmitError', {
        code: 14,
        transactionId: 'tx6',
        details: [{ address: '127.0.0.1:7050', mspId: 'OrdererMSP', message: 'SERVICE_UNAVAILABLE' }],
      }),
    );
    expect(converted).toMatchObject({ code: 'UNAVAILABLE', httpStatus: 503, transactionId: 'tx6' });
    expect(converted.message).toContain('no orderer accepted the transaction (tried 127.0.0.1:7050)');
    expect(converted.message).not.toContain('peer');
  });

  test('when ordering times out, then 504 naming the ordering service', () => {
    const converted = fabricToAppError(fabricError('SubmitError', { code: 4, transactionId: 'tx7' }));
    expect(converted).toMatchObject({ code: 'TIMEOUT', httpStatus: 504 });
    expect(converted.message).toContain('ordering service');
  });
});
