import { createHash } from 'node:crypto';
import { OrgClient } from '../client';
import { LoadResult, runLoad } from './stats';

export interface Baseline {
  readonly writes: readonly LoadResult[];
  readonly evaluate: LoadResult;
  /** The best single-key write throughput: the yardstick other benchmarks divide by. */
  readonly writeTps: number;
}

const payout = createHash('sha256').update('bench').digest('hex');

/**
 * The network's yardstick: a minimal one-key write (`providers:Register`, one record, one event)
 * at 1, 50 and 200 transactions in flight, and one evaluate's latency.
 */
export async function measureBaseline(client: OrgClient, tag: string, scale = 1): Promise<Baseline> {
  const register = (prefix: string) => (i: number) =>
    client.contract.submitTransaction(
      'providers:Register',
      JSON.stringify({ providerId: `${tag}-${prefix}-${i}`, payoutRefDigest: payout }),
    );
  const writes = [
    await runLoad('baseline write (providers:Register)', 1, Math.ceil(30 * scale), register('w1')),
    await runLoad('baseline write (providers:Register)', 50, Math.ceil(500 * scale), register('w50')),
    await runLoad('baseline write (providers:Register)', 200, Math.ceil(1000 * scale), register('w200')),
  ];
  const evaluate = await runLoad('baseline evaluate (providers:Get)', 1, Math.ceil(200 * scale), () =>
    client.contract.evaluateTransaction('providers:Get', `${tag}-w1-0`),
  );
  return { writes, evaluate, writeTps: Math.max(...writes.map((w) => w.perSecond)) };
}
