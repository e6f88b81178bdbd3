import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { run } from './exec';
import { peerAdminEnv } from './nodes';
import { Tools } from './tools';
import { cryptoPaths, OrdererNode, PeerNode } from './topology';

/**
 * Channel configuration updates the way Fabric documents them: fetch the latest config block, decode
 * it with configtxlator, change the JSON, compute the update, wrap it in an envelope, collect the
 * admins' signatures on that file, and submit it to the ordering service.
 */

type Json = Record<string, unknown>;

const configtxlator = (tools: Tools): string => path.join(tools.fabricBin, 'configtxlator');

async function decode(tools: Tools, type: string, input: string): Promise<Json> {
  // configtxlator's default output is /dev/stdout, which a pipe cannot open: always name a file.
  const output = `${input}.decoded.json`;
  await run(configtxlator(tools), ['proto_decode', '--type', type, '--input', input, '--output', output]);
  return JSON.parse(readFileSync(output, 'utf8')) as Json;
}

async function encode(tools: Tools, type: string, value: unknown, output: string): Promise<void> {
  const input = `${output}.json`;
  writeFileSync(input, JSON.stringify(value));
  await run(configtxlator(tools), ['proto_encode', '--type', type, '--input', input, '--output', output]);
}

function ordererFlags(orderer: OrdererNode, stateDir: string): string[] {
  return ['-o', `${orderer.address}:${orderer.port}`, '--tls', '--cafile', cryptoPaths(stateDir).ordererTlsCa];
}

/** The channel's current configuration (as JSON), fetched by an org's admin from an orderer. */
export async function fetchConfig(
  peer: PeerNode,
  orderer: OrdererNode,
  channel: string,
  workDir: string,
  stateDir: string,
  tools: Tools,
): Promise<Json> {
  mkdirSync(workDir, { recursive: true });
  const block = path.join(workDir, 'config.block');
  await run(path.join(tools.fabricBin, 'peer'), ['channel', 'fetch', 'config', block, '-c', channel, ...ordererFlags(orderer, stateDir)], {
    env: peerAdminEnv(peer, stateDir),
  });
  const decoded = await decode(tools, 'common.Block', block);
  const config = (decoded as { data?: { data?: { payload?: { data?: { config?: Json } } }[] } }).data?.data?.[0]?.payload?.data?.config;
  if (!config) throw new NetworkError(`no channel config in ${block}`);
  return config;
}

/** The names of the application orgs a channel config holds. */
export function applicationOrgs(config: Json): string[] {
  const groups = (config as { channel_group?: { groups?: { Application?: { groups?: Json } } } }).channel_group?.groups?.Application
    ?.groups;
  return Object.keys(groups ?? {}).sort();
}

/** A copy of the config with its application orgs changed: `add` puts an org's definition in, `remove` takes one out. */
export function withApplicationOrg(config: Json, change: { add: { mspId: string; definition: Json } } | { remove: string }): Json {
  const copy = JSON.parse(JSON.stringify(config)) as { channel_group: { groups: { Application: { groups: Json } } } };
  const application = copy.channel_group.groups.Application;
  if ('add' in change) {
    if (change.add.mspId in application.groups) throw new NetworkError(`${change.add.mspId} is already in the channel`);
    application.groups = { ...application.groups, [change.add.mspId]: change.add.definition };
  } else {
    if (!(change.remove in application.groups)) throw new NetworkError(`${change.remove} is not in the channel`);
    application.groups = Object.fromEntries(Object.entries(application.groups).filter(([name]) => name !== change.remove));
  }
  return copy;
}

/**
 * The signed-envelope file of the update from `original` to `updated`, ready for signatures. The
 * file is what travels between orgs: each admin signs it on its own host and passes it on.
 */
export async function computeUpdate(original: Json, updated: Json, channel: string, workDir: string, tools: Tools): Promise<string> {
  mkdirSync(workDir, { recursive: true });
  const before = path.join(workDir, 'original.pb');
  const after = path.join(workDir, 'updated.pb');
  await encode(tools, 'common.Config', original, before);
  await encode(tools, 'common.Config', updated, after);
  const updatePb = path.join(workDir, 'update.pb');
  await run(configtxlator(tools), [
    'compute_update',
    '--channel_id',
    channel,
    '--original',
    before,
    '--updated',
    after,
    '--output',
    updatePb,
  ]);
  const update = await decode(tools, 'common.ConfigUpdate', updatePb);
  const envelope = { payload: { header: { channel_header: { channel_id: channel, type: 2 } }, data: { config_update: update } } };
  const file = path.join(workDir, 'update-envelope.pb');
  await encode(tools, 'common.Envelope', envelope, file);
  return file;
}

/** Signs the update file as `peer`'s org admin, in place (`peer channel signconfigtx`). */
export async function signUpdate(file: string, peer: PeerNode, stateDir: string, tools: Tools): Promise<void> {
  await run(path.join(tools.fabricBin, 'peer'), ['channel', 'signconfigtx', '-f', file], { env: peerAdminEnv(peer, stateDir) });
}

/** The MSP IDs whose admins have signed the update file so far, read from the file itself. */
export async function signersOf(file: string, tools: Tools): Promise<string[]> {
  const envelope = await decode(tools, 'common.Envelope', file);
  const signatures =
    (envelope as { payload?: { data?: { signatures?: { signature_header?: { creator?: { mspid?: string } } }[] } } }).payload?.data
      ?.signatures ?? [];
  return [...new Set(signatures.map((s) => s.signature_header?.creator?.mspid).filter((m): m is string => m !== undefined))].sort();
}

export interface SignatureNeed {
  /** Orgs whose admins may sign (the channel's application orgs). */
  readonly eligible: readonly string[];
  readonly required: number;
  readonly signed: readonly string[];
}

/** A sentence naming whose signatures are still missing, for the operator. */
export function missingSignatures(need: SignatureNeed): string {
  const valid = need.signed.filter((m) => need.eligible.includes(m));
  const others = need.eligible.filter((m) => !valid.includes(m));
  const short = Math.max(0, need.required - valid.length);
  return (
    `the channel's Admins policy (MAJORITY of ${need.eligible.length} org admins) needs ${need.required} signatures; ` +
    `signed: ${valid.join(', ') || 'nobody'}; missing: ${short} more from ${others.join(', ')}`
  );
}

/**
 * Submits the update as `peer`'s org admin (who signs it too). The ordering service checks the
 * signatures against the channel's policies and refuses the update when they do not satisfy them;
 * the error then says whose signatures are missing.
 */
export async function submitUpdate(
  file: string,
  peer: PeerNode,
  orderer: OrdererNode,
  channel: string,
  stateDir: string,
  tools: Tools,
  need: Omit<SignatureNeed, 'signed'>,
): Promise<void> {
  try {
    await run(path.join(tools.fabricBin, 'peer'), ['channel', 'update', '-f', file, '-c', channel, ...ordererFlags(orderer, stateDir)], {
      env: peerAdminEnv(peer, stateDir),
    });
  } catch (error) {
    const text = String(error);
    if (!/not satisfied|policy|signature/i.test(text)) throw error;
    const signed = [...new Set([...(await signersOf(file, tools)), peer.org.mspId])].sort();
    const reason = /implicit policy evaluation failed[^\n]*/.exec(text)?.[0] ?? text.split('\n').slice(-1)[0] ?? '';
    throw new NetworkError(
      `the ordering service refused the config update: ${missingSignatures({ ...need, signed })}\n  orderer said: ${reason}`,
      { cause: error },
    );
  }
}

/** A copy of the update file for one org to sign on its own host (what would travel by e-mail). */
export function handOver(file: string, toDir: string): string {
  mkdirSync(toDir, { recursive: true });
  const copy = path.join(toDir, path.basename(file));
  copyFileSync(file, copy);
  return copy;
}

export const readJson = (file: string): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;
