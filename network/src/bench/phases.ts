import { Contract } from '@hyperledger/fabric-gateway';

/** Wall time of one submitted transaction split by Fabric's phases, to say where the time goes. */
export interface PhaseTimes {
  /** Proposal to the org's peer, chaincode execution on the endorsing peers, signatures back. */
  readonly endorseMs: number;
  /** Hand-off of the endorsed transaction to the orderer. */
  readonly submitMs: number;
  /** Ordering (block cutting, consensus), validation and commit on the peer. */
  readonly commitMs: number;
}

export interface PhasedResult {
  readonly result: Uint8Array;
  readonly phases: PhaseTimes;
}

/** Submits a transaction through the gateway's explicit steps, timing each. */
export async function submitPhased(contract: Contract, name: string, arg: string): Promise<PhasedResult> {
  const t0 = performance.now();
  const proposal = contract.newProposal(name, { arguments: [arg] });
  const transaction = await proposal.endorse();
  const t1 = performance.now();
  const commit = await transaction.submit();
  const t2 = performance.now();
  const status = await commit.getStatus();
  const t3 = performance.now();
  if (!status.successful) throw new Error(`${name} ${status.transactionId} failed validation with code ${status.code}`);
  return { result: transaction.getResult(), phases: { endorseMs: t1 - t0, submitMs: t2 - t1, commitMs: t3 - t2 } };
}

export function meanPhases(samples: readonly PhaseTimes[]): PhaseTimes {
  const n = Math.max(samples.length, 1);
  const sum = (key: keyof PhaseTimes): number => samples.reduce((acc, s) => acc + s[key], 0) / n;
  return { endorseMs: sum('endorseMs'), submitMs: sum('submitMs'), commitMs: sum('commitMs') };
}

export function describePhases(label: string, p: PhaseTimes): string {
  const total = p.endorseMs + p.submitMs + p.commitMs;
  const pct = (v: number): string => `${((100 * v) / total).toFixed(0)}%`;
  return (
    `  ${label}: endorse (chaincode execution) ${p.endorseMs.toFixed(1)} ms (${pct(p.endorseMs)}), ` +
    `submit ${p.submitMs.toFixed(1)} ms (${pct(p.submitMs)}), ordering + validation + commit ${p.commitMs.toFixed(1)} ms (${pct(p.commitMs)})`
  );
}
