import { NetworkError } from './errors';
import { run } from './exec';

/**
 * Hosts mode: every orderer, every org (its peer and its gateway) and the vault runs in a Linux network
 * namespace of its own, with its own address on a private bridge, so the nodes talk to each other the
 * way separate machines on one LAN do and nothing can lean on a shared loopback. The machine itself
 * sits on the bridge too (at .1), like an operator's workstation: the tool and the tests reach every
 * node through the bridge address.
 *
 * Names derive from the base port, so two networks with different base ports never share a namespace,
 * a bridge, an interface or a subnet.
 */
export interface HostsPlan {
  /** Every namespace of this network is named `<prefix>-<host>`. */
  readonly prefix: string;
  readonly bridge: string;
  /** Host-side veth ends are named `<vethPrefix><last octet>` (Linux allows 15 characters). */
  readonly vethPrefix: string;
  /** The /24 the network lives in, as its first three octets. */
  readonly subnet: string;
  /** The machine's own address on the bridge. */
  readonly gatewayAddress: string;
}

/** One namespace: a host name (orderer0, studio1, vault, …) and its address on the bridge. */
export interface HostSpec {
  readonly host: string;
  readonly address: string;
}

/**
 * The plan for a base port: subnet 10.<high byte>.<low byte>.0/24 of the base port, which no other
 * base port maps to; namespace prefix `kiseki<base>`, bridge `ks<base>br`, veths `ks<base>-<octet>`.
 */
export function hostsPlan(basePort: number): HostsPlan {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65535) throw new RangeError(`base port out of range: ${basePort}`);
  const subnet = `10.${basePort >> 8}.${basePort & 0xff}`;
  return { prefix: `kiseki${basePort}`, bridge: `ks${basePort}br`, vethPrefix: `ks${basePort}-`, subnet, gatewayAddress: `${subnet}.1` };
}

export const namespaceOf = (plan: HostsPlan, host: string): string => `${plan.prefix}-${host}`;

/** Fixed last octets: the vault at .5, orderer i at .10+i, the org in port slot j at .20+j. */
export const VAULT_OCTET = 5;
export const ordererOctet = (index: number): number => 10 + index;
export const peerOctet = (slot: number): number => 20 + slot;

/** @throws NetworkError saying why, when this process cannot create network namespaces. */
export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() === 0) return;
  throw new NetworkError(
    'hosts mode needs root: it creates Linux network namespaces, a bridge and veth pairs with `ip netns` / `ip link`. ' +
      'Run it as root (e.g. `sudo -E npm run network -- up --hosts`), or leave out --hosts for the single-host mode.',
  );
}

const ip = (args: readonly string[]): Promise<{ stdout: string }> => run('ip', args, { timeoutMs: 20_000 });

/** Namespaces of this plan that exist now. */
export async function existingNamespaces(plan: HostsPlan): Promise<string[]> {
  const { stdout } = await ip(['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith(`${plan.prefix}-`));
}

async function existingLinks(plan: HostsPlan): Promise<string[]> {
  const { stdout } = await ip(['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name === plan.bridge || name.startsWith(plan.vethPrefix));
}

/**
 * Removes every namespace, veth and the bridge of this plan, including leftovers of a run that crashed.
 * Processes must be stopped first: a namespace whose name is gone lives on while a process is inside it.
 */
export async function removeHosts(plan: HostsPlan): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await existingNamespaces(plan)) {
    await ip(['netns', 'delete', ns]);
    removed.push(ns);
  }
  // Deleting a namespace deletes its veth end and with it the pair; what is left are ends never moved
  // into a namespace (a crash mid-way) and the bridge.
  for (const link of await existingLinks(plan)) {
    await ip(['link', 'delete', link]).catch(() => undefined);
    removed.push(link);
  }
  return removed;
}

/** Refuses a subnet some interface outside this plan already routes (a LAN or a VPN on the machine). */
async function checkSubnetFree(plan: HostsPlan): Promise<void> {
  const { stdout } = await ip(['-4', '-o', 'addr', 'show']);
  const clash = stdout.split('\n').find((line) => line.includes(` ${plan.subnet}.`) && !line.includes(plan.bridge));
  if (clash !== undefined) {
    throw new NetworkError(
      `subnet ${plan.subnet}.0/24 (derived from the base port) is already used on this machine: ${clash.trim()}; choose another --base-port`,
    );
  }
}

/**
 * Creates the bridge and one namespace per host, each with a veth pair whose inner end (`eth0`) carries
 * the host's address, after removing whatever a previous run of the same plan left behind.
 */
export async function createHosts(plan: HostsPlan, hosts: readonly HostSpec[]): Promise<void> {
  requireRoot();
  await removeHosts(plan);
  await checkSubnetFree(plan);
  await ip(['link', 'add', plan.bridge, 'type', 'bridge']);
  await ip(['addr', 'add', `${plan.gatewayAddress}/24`, 'dev', plan.bridge]);
  await ip(['link', 'set', plan.bridge, 'up']);
  await Promise.all(hosts.map((host) => addHost(plan, host)));
}

/** One more namespace on an existing bridge (a member joining a running network); a leftover of the same name is replaced. */
export async function addHost(plan: HostsPlan, { host, address }: HostSpec): Promise<void> {
  requireRoot();
  const ns = namespaceOf(plan, host);
  const outer = `${plan.vethPrefix}${address.split('.').pop() ?? host}`;
  if ((await existingNamespaces(plan)).includes(ns)) await ip(['netns', 'delete', ns]);
  if ((await existingLinks(plan)).includes(outer)) await ip(['link', 'delete', outer]);
  const inner = `${outer}i`;
  await ip(['netns', 'add', ns]);
  await ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
  await ip(['link', 'set', inner, 'netns', ns]);
  await ip(['link', 'set', outer, 'master', plan.bridge]);
  await ip(['link', 'set', outer, 'up']);
  await ip(['-n', ns, 'link', 'set', inner, 'name', 'eth0']);
  await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** The namespace a process runs in (`ip netns identify`), or '' for the machine's own. */
export async function namespaceOfPid(pid: number): Promise<string> {
  const { stdout } = await ip(['netns', 'identify', String(pid)]);
  return stdout.trim();
}
