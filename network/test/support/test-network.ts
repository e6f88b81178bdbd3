import path from 'node:path';
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

/** Connections opened by a test file; close them all in afterAll with `closeAll`. */
export class Clients {
  private readonly open: OrgClient[] = [];

  constructor(private readonly current: NetworkStatus) {}

  static async create(): Promise<Clients> {
    return new Clients(await testNetworkStatus());
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
  }
}

const decoder = new TextDecoder();

export async function submitJson<T>(client: OrgClient, name: string, request: unknown): Promise<T> {
  const result = await client.contract.submitTransaction(name, JSON.stringify(request));
  return JSON.parse(decoder.decode(result)) as T;
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
