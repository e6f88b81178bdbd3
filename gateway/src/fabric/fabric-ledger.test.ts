import { silentLogger } from '../logger';
import { FabricLedger, isEndorsementSkew } from './fabric-ledger';

describe('endorsement skew', () => {
  const endorseError = (messages: string[]): Error =>
    Object.assign(new Error('10 ABORTED: failed to collect enough transaction endorsements'), {
      details: messages.map((message, i) => ({ address: `127.0.0.1:${20100 + i}`, mspId: 'X', message })),
    });

  it('when the peers only disagree on results, then the submit is retried with a fresh proposal', () => {
    expect(isEndorsementSkew(endorseError(['ProposalResponsePayloads do not match', 'ProposalResponsePayloads do not match']))).toBe(true);
  });

  it('when a peer refused in the chaincode, then it is not retried', () => {
    expect(isEndorsementSkew(endorseError(['chaincode response 500, CONFLICT: x exists', 'ProposalResponsePayloads do not match']))).toBe(
      false,
    );
    expect(isEndorsementSkew(new Error('14 UNAVAILABLE'))).toBe(false);
  });
});

describe('ordering failover', () => {
  const submitError = (code: number): Error =>
    Object.assign(new Error(`${code} ordering`), { name: 'SubmitError', code, details: [], transactionId: 't1' });
  const statusError = (code: number): Error =>
    Object.assign(new Error(`${code} status`), { name: 'CommitStatusError', code, details: [], transactionId: 't1' });

  /** A network whose one contract endorses at once and whose orderers follow `script`. */
  function scriptedNetwork(script: { submits: (Error | undefined)[]; statuses: (Error | undefined)[] }) {
    const calls = { submit: 0, status: 0 };
    const submitted = {
      getResult: () => new TextEncoder().encode('{"ok":true}'),
      getStatus: () => {
        calls.status += 1;
        const next = script.statuses.shift();
        return next === undefined
          ? Promise.resolve({ successful: true, code: 0, blockNumber: 7n, transactionId: 't1' })
          : Promise.reject(next);
      },
    };
    const endorsed = {
      submit: () => {
        calls.submit += 1;
        const next = script.submits.shift();
        return next === undefined ? Promise.resolve(submitted) : Promise.reject(next);
      },
    };
    const network = {
      getContract: () => ({ newProposal: () => ({ getTransactionId: () => 't1', endorse: () => Promise.resolve(endorsed) }) }),
    };
    return { network, calls };
  }

  const ledgerOver = (network: unknown, writeMs = 5_000): FabricLedger =>
    new FabricLedger({
      network: network as never,
      chaincode: 'cc',
      retry: { mvccAttempts: 3, baseDelayMs: 1 },
      timeouts: { submitMs: 1_000, commitStatusMs: 1_000, writeMs, commitResubmitMs: 1_000 },
      logger: silentLogger,
      close: () => undefined,
    });

  it('when no orderer takes the transaction at first, then the same transaction is handed over again and commits', async () => {
    const { network, calls } = scriptedNetwork({ submits: [submitError(14), submitError(4)], statuses: [] });
    const result = await ledgerOver(network).submit('c', 'T', {}, { clientId: 'x' });
    expect(result).toMatchObject({ transactionId: 't1', blockNumber: '7' });
    expect(calls.submit).toBe(3);
  });

  it("when the peer's stream to a stopping orderer is cancelled, then the transaction is handed over again", async () => {
    const { network, calls } = scriptedNetwork({ submits: [submitError(1)], statuses: [] });
    await expect(ledgerOver(network).submit('c', 'T', {}, { clientId: 'x' })).resolves.toMatchObject({ blockNumber: '7' });
    expect(calls.submit).toBe(2);
  });

  it('when no commit is seen in time, then the transaction is handed over again and its commit awaited', async () => {
    const { network, calls } = scriptedNetwork({ submits: [], statuses: [statusError(4)] });
    await ledgerOver(network).submit('c', 'T', {}, { clientId: 'x' });
    expect(calls).toEqual({ submit: 2, status: 2 });
  });

  it('when the orderers stay down past the write deadline, then 503 naming the ordering service', async () => {
    const { network } = scriptedNetwork({ submits: Array.from({ length: 100 }, () => submitError(14)), statuses: [] });
    await expect(ledgerOver(network, 600).submit('c', 'T', {}, { clientId: 'x' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('no orderer accepted') as unknown,
    });
  });

  it('when the orderer refuses the transaction as bad, then it is not handed over again', async () => {
    const { network, calls } = scriptedNetwork({ submits: [submitError(10)], statuses: [] });
    await expect(ledgerOver(network).submit('c', 'T', {}, { clientId: 'x' })).rejects.toMatchObject({ httpStatus: 502 });
    expect(calls.submit).toBe(1);
  });
});
