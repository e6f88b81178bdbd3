import { readdirSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { genesisBlockPath } from './bootstrap';
import { run } from './exec';
import { logFile, peerAdminEnv } from './nodes';
import { retryAgainst } from './processes';
import { poll } from './retry';
import { Tools } from './tools';
import { cryptoPaths, OrdererNode, PeerNode } from './topology';

/** `osnadmin` connection flags for an orderer's admin endpoint, as the orderer org's admin (mTLS). */
function osnadminArgs(orderer: OrdererNode, stateDir: string): string[] {
  const paths = cryptoPaths(stateDir);
  const adminTls = path.join(paths.ordererAdmin, 'tls');
  return [
    '-o',
    `${orderer.address}:${orderer.adminPort}`,
    '--ca-file',
    paths.ordererTlsCa,
    '--client-cert',
    path.join(adminTls, 'client.crt'),
    '--client-key',
    path.join(adminTls, 'client.key'),
  ];
}

/** Joins an orderer to the channel through its channel participation (admin) API. */
export async function joinOrderer(orderer: OrdererNode, channel: string, stateDir: string, tools: Tools): Promise<void> {
  const args = osnadminArgs(orderer, stateDir);
  const log = logFile(stateDir, orderer.name);
  const osnadmin = path.join(tools.fabricBin, 'osnadmin');
  const listed = await retryAgainst(orderer.name, 'osnadmin channel list', log, () => run(osnadmin, ['channel', 'list', ...args]));
  if (listed.stdout.includes(`"name": "${channel}"`) || listed.stdout.includes(`"name":"${channel}"`)) return;
  await retryAgainst(orderer.name, `osnadmin channel join ${channel}`, log, async () => {
    try {
      await run(osnadmin, ['channel', 'join', '--channelID', channel, '--config-block', genesisBlockPath(stateDir), ...args]);
    } catch (error) {
      // A retry after a join that did land (its answer lost) finds the channel there: that is success.
      if (/already exists|cannot join: channel exists/i.test(String(error))) return;
      throw error;
    }
  });
}

/** Joins a peer to the channel from the genesis block; retries while the orderers elect a leader. */
export async function joinPeer(peer: PeerNode, channel: string, stateDir: string, tools: Tools): Promise<void> {
  const env = peerAdminEnv(peer, stateDir);
  const peerBin = path.join(tools.fabricBin, 'peer');
  const log = logFile(stateDir, peer.name);
  const joined = async (): Promise<boolean> => {
    const listed = await run(peerBin, ['channel', 'list'], { env });
    return listed.stdout.split('\n').some((line) => line.trim() === channel);
  };
  if (await retryAgainst(peer.name, 'peer channel list', log, joined)) return;
  await retryAgainst(peer.name, `peer channel join ${channel}`, log, async () => {
    try {
      await run(peerBin, ['channel', 'join', '-b', genesisBlockPath(stateDir)], { env });
    } catch (error) {
      // The join may have landed although its answer was lost; a second join then fails. Check.
      if (await joined().catch(() => false)) return;
      throw error;
    }
  });
}

/** The channel's block height on an orderer (for catch-up checks), from its admin API. */
export async function ordererHeight(orderer: OrdererNode, channel: string, stateDir: string, tools: Tools): Promise<number> {
  const { stdout } = await run(path.join(tools.fabricBin, 'osnadmin'), [
    'channel',
    'list',
    '--channelID',
    channel,
    ...osnadminArgs(orderer, stateDir),
  ]);
  return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { height: number }).height;
}

/**
 * Waits until a peer's discovery service sees every peer of the channel. Right after start-up gossip
 * has not converged, and a gateway would find "no combination of peers" for the endorsement policy.
 */
export async function waitForMembership(
  peer: PeerNode,
  expected: number,
  channel: string,
  stateDir: string,
  tools: Tools,
  timeoutMs = 60_000,
): Promise<void> {
  const paths = cryptoPaths(stateDir);
  const user = path.join(paths.orgUser(peer.org), 'msp');
  const key = readdirSync(path.join(user, 'keystore')).find((f) => f.endsWith('_sk'));
  const cert = readdirSync(path.join(user, 'signcerts')).find((f) => f.endsWith('.pem'));
  if (!key || !cert) throw new NetworkError(`no user identity for ${peer.org.mspId}`);
  const args = [
    'peers',
    '--channel',
    channel,
    '--server',
    `${peer.address}:${peer.port}`,
    '--peerTLSCA',
    paths.peerTlsCa(peer.org),
    '--userKey',
    path.join(user, 'keystore', key),
    '--userCert',
    path.join(user, 'signcerts', cert),
    '--MSP',
    peer.org.mspId,
  ];
  let seen = 0;
  const converged = await poll(
    async () => {
      try {
        const { stdout } = await run(path.join(tools.fabricBin, 'discover'), args, {
          env: { ...process.env, FABRIC_LOGGING_SPEC: 'WARN' },
        });
        seen = (JSON.parse(stdout) as unknown[]).length;
      } catch {
        // discovery answers only once the peer has the channel; keep polling
      }
      return seen >= expected;
    },
    { everyMs: 300, timeoutMs },
  );
  if (converged === true) return;
  throw new NetworkError(
    `${peer.name} sees ${seen} of ${expected} peers after ${timeoutMs / 1000}s: gossip has not converged (log: ${logFile(stateDir, peer.name)})`,
  );
}
