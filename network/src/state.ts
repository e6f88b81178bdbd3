import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Consensus } from './topology';
import { VaultCredentials } from './vault';

/** What a state dir remembers about its network between commands. */
export interface NetworkState {
  readonly version: 1;
  readonly consensus: Consensus;
  readonly basePort: number;
  readonly channel: string;
  readonly vault: VaultCredentials;
  /** Set once artifacts exist and every node joined the channel. */
  readonly channelReady: boolean;
  readonly chaincode?: { readonly name: string; readonly sequence: number; readonly packageId: string };
  /** Orgs that joined the running channel (`network org add`), removed ones flagged. */
  readonly members?: readonly MemberOrg[];
  /** Hosts mode: every orderer, org and the vault in a network namespace of its own (`up --hosts`). */
  readonly hosts?: boolean;
  /** The committed endorsement policy when a vote changed it from test-network-config/chaincode.json. */
  readonly endorsementPolicy?: string;
}

/** An org that joined after the channel was created; it keeps its material in its own folder. */
export interface MemberOrg {
  readonly mspId: string;
  readonly name: string;
  readonly domain: string;
  readonly role: 'studio' | 'licensor';
  /** Port slot: its peer at base+100+10·slot, its gateway at base+300+slot (the founding orgs hold 0-3). */
  readonly slot: number;
  readonly removed?: boolean;
}

export const stateFile = (stateDir: string): string => path.join(stateDir, 'network.json');

export function readState(stateDir: string): NetworkState | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as NetworkState;
}

export function writeState(stateDir: string, state: NetworkState): void {
  mkdirSync(stateDir, { recursive: true });
  const file = stateFile(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** Gateways started beside the network register here so status and down can see them. */
export interface GatewayRegistration {
  readonly mspId: string;
  readonly url: string;
  readonly pidFile: string;
  /** The org's TLS CA that issued the gateway's HTTPS certificate (what clients trust to reach it). */
  readonly caCertPath?: string;
}

export const gatewaysFile = (stateDir: string): string => path.join(stateDir, 'gateways.json');

export function readGateways(stateDir: string): GatewayRegistration[] {
  const file = gatewaysFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GatewayRegistration[]) : [];
}
