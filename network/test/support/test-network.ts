import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { connectOrg, ConnectOptions, OrgClient } from '../../src/client';
import { NetworkStatus, status } from '../../src/network';
import { REPO_ROOT } from '../../src/paths';

/**
 * The integration tier's own network: its own state dir and base port, so a developer's running
 * network (default .kiseki/, base port 20000) and a test run never collide.
 */
export const TEST_STATE_DIR = path.resolve(process.env.KISEKI_TEST_STATE_DIR ?? path.join(REPO_ROOT, '.kiseki-test'));
export const TEST_BASE_PORT = Number(process.env.KISEKI_TEST_BASE_PORT ?? 24000);

export function testNetworkStatus(): Promise<NetworkStatus> {
  return status({ stateDir: TEST_STATE_DIR });
}

/** The Clients of the running test file, used to wait until every peer has a committed block. */
let active: Clients | undefined;

/** Connections opened by a test file; close them all in afterAll with `closeAll`. */
export class Clients {
  private readonly open: OrgClient[] = [];
  private readonly watchers = new Map<string, OrgClient>();

  constructor(private readonly current: NetworkStatus) {}

  static async create(): Promise<Clients> {
    active = new Clients(await testNetworkStatus());
    return active;
  }

  /**
   * Waits until every org's peer has committed `blockNumber`. A submit returns once the submitting
   * org's peer committed; another org's peer applies the same block a moment later, so a test that
   * then reads through that org would otherwise race it.
   */
  async everyPeerHas(blockNumber: bigint, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Peers a fault drill has stopped are not waited for.
    const up = new Set((await testNetworkStatus()).peers.filter((p) => p.healthy).map((p) => p.mspId));
    for (const org of this.current.orgs.filter((o) => up.has(o.mspId))) {
      let watcher = this.watchers.get(org.mspId);
      if (!watcher) {
        watcher = connectOrg(this.current, org.mspId);
        this.watchers.set(org.mspId, watcher);
      }
      const qscc = watcher.network.getContract('qscc');
      for (;;) {
        const info = common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', this.current.channel));
        if (BigInt(info.getHeight()) > blockNumber) break;
        if (Date.now() > deadline) throw new Error(`${org.mspId}'s peer has not committed block ${blockNumber} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  get status(): NetworkStatus {
    return this.current;
  }

  org(mspId: string, options?: ConnectOptions): OrgClient {
    const client = connectOrg(this.current, mspId, options);
    this.open.push(client);
    return client;
  }

  closeAll(): void {
    for (const client of this.open.splice(0)) client.close();
    for (const client of this.watchers.values()) client.close();
    this.watchers.clear();
    if (active === this) active = undefined;
  }
}

const decoder = new TextDecoder();

/** Submits, waits for the commit, and (when a Clients is open) until every org's peer has the block. */
export async function submitJson<T>(client: OrgClient, name: string, request: unknown): Promise<T> {
  const commit = await client.contract.submitAsync(name, { arguments: [JSON.stringify(request)] });
  const result = commit.getResult();
  const outcome = await commit.getStatus();
  if (!outcome.successful) throw new Error(`${name} ${outcome.transactionId} failed validation with code ${outcome.code}`);
  await active?.everyPeerHas(outcome.blockNumber);
  return JSON.parse(decoder.decode(result)) as T;
}

/**
 * Like `submitJson`, for fault drills: while Raft elects a new leader the orderers refuse
 * (UNAVAILABLE), and a transaction accepted by a leader that then steps down may never be cut into a
 * block. A client's answer to both is to submit again, so this tries a fresh request (`next()`) until
 * one commits or the deadline passes.
 */
export async function submitJsonRetrying<T>(client: OrgClient, name: string, next: () => unknown, deadlineMs = 90_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const commit = await client.contract.submitAsync(name, { arguments: [JSON.stringify(next())] });
      const outcome = await commit.getStatus({ deadline: Date.now() + 20_000 });
      if (!outcome.successful) throw new Error(`${name} ${outcome.transactionId} failed validation with code ${outcome.code}`);
      await active?.everyPeerHas(outcome.blockNumber);
      return JSON.parse(decoder.decode(commit.getResult())) as T;
    } catch (error) {
      const retriable = /UNAVAILABLE|DEADLINE_EXCEEDED|no orderers/.test(errorText(error));
      if (!retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

export async function evaluateJson<T>(client: OrgClient, name: string, arg: string): Promise<T> {
  const result = await client.contract.evaluateTransaction(name, arg);
  return JSON.parse(decoder.decode(result)) as T;
}

/** A unique suffix per test run, so reruns against a kept network never clash on IDs. */
export const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;

/** The chaincode's message from a Fabric error, wherever the gateway put it (details of an EndorseError). */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  const walk = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const err = e as { message?: string; details?: { message?: string }[]; cause?: unknown };
    if (err.message) parts.push(err.message);
    for (const d of err.details ?? []) if (d.message) parts.push(d.message);
    walk(err.cause);
  };
  walk(error);
  return parts.join(' | ');
}
