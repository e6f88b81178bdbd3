import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors';

/**
 * Where webhooks may go. A webhook makes the gateway open connections on a client's behalf, so a target
 * must be `https` to a public address: never loopback, private, link-local (cloud metadata), shared,
 * multicast or reserved ranges. The operator may allow named hosts or address ranges (then also over
 * plain http), e.g. an internal receiver. The name is resolved and every address checked at
 * registration and again at each delivery, and the delivery connects to exactly the address that was
 * checked, so DNS cannot rebind a checked name to a private address in between.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (injectable, so tests never ask a real DNS). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, order: 'verbatim' })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * Address ranges that are never a public receiver (IANA special-purpose registries, IPv4 and IPv6).
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are checked against the IPv4 ranges by BlockList itself.
 */
const NON_PUBLIC_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const NON_PUBLIC_V6: readonly [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const nonPublic = new BlockList();
for (const [network, prefix] of NON_PUBLIC_V4) nonPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of NON_PUBLIC_V6) nonPublic.addSubnet(network, prefix, 'ipv6');

/** True for an address a public receiver can have. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !nonPublic.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The operator's allow-list: host names (exact, case-insensitive) and address ranges in CIDR form. */
export class TargetAllowList {
  readonly #hosts = new Set<string>();
  readonly #ranges = new BlockList();

  /** @throws Error for an entry that is neither a host name nor a CIDR range. */
  constructor(entries: readonly string[] = []) {
    for (const entry of entries) {
      const [network, prefix] = entry.split('/');
      if (network !== undefined && isIP(network) !== 0) {
        const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
        this.#ranges.addSubnet(network, prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix), family);
      } else if (/^[A-Za-z0-9.-]+$/.test(entry)) {
        this.#hosts.add(entry.toLowerCase());
      } else {
        throw new Error(`webhook allow-list entry ${entry} is neither a host name nor an address range`);
      }
    }
  }

  allowsHost(hostname: string): boolean {
    return this.#hosts.has(hostname.toLowerCase());
  }

  allowsAddress(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#ranges.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

export interface CheckedTarget {
  url: URL;
  /** The addresses checked; a delivery connects only to these. */
  addresses: ResolvedAddress[];
}

const refused = (message: string): AppError =>
  new AppError('INVALID', `webhook target refused: ${message}`, { issues: [{ path: 'body.url', code: 'target_refused', message }] });

/**
 * Checks a webhook URL and resolves it to the addresses a delivery may connect to.
 * @throws AppError `INVALID` naming why the target is refused (scheme, credentials, or a non-public
 * address not on the allow-list), `UNAVAILABLE` when the name does not resolve.
 */
export async function checkTarget(raw: string, allow: TargetAllowList, resolve: Resolver): Promise<CheckedTarget> {
  const url = URL.parse(raw);
  if (url === null) throw refused('not a URL');
  if (url.username !== '' || url.password !== '') throw refused('credentials in the URL are not accepted; use the signing secret');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const hostAllowed = allow.allowsHost(hostname);
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && (hostAllowed || (isIP(hostname) !== 0 && allow.allowsAddress(hostname))))
  ) {
    throw refused('must be https (plain http only to hosts the operator allowed)');
  }
  let addresses: ResolvedAddress[];
  if (isIP(hostname) !== 0) addresses = [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      throw new AppError('UNAVAILABLE', `webhook target ${hostname} does not resolve`, { cause: error });
    }
  }
  if (addresses.length === 0) throw new AppError('UNAVAILABLE', `webhook target ${hostname} does not resolve`);
  for (const { address } of addresses) {
    if (!hostAllowed && !isPublicAddress(address) && !allow.allowsAddress(address)) {
      throw refused(`${hostname} resolves to ${address}, which is not a public address`);
    }
  }
  return { url, addresses };
}
