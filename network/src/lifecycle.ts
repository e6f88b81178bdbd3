import path from 'node:path';
import { ChaincodeDefinition } from './consortium';
import { run } from './exec';
import { peerAdminEnv } from './nodes';
import { ChaincodePackage } from './package-chaincode';
import { Tools } from './tools';
import { cryptoPaths, OrdererNode, PeerNode } from './topology';

export interface CommittedDefinition {
  readonly sequence: number;
  readonly version: string;
  readonly packageId?: string;
}

interface Context {
  readonly stateDir: string;
  readonly tools: Tools;
  readonly definition: ChaincodeDefinition;
}

const peerBin = (ctx: Context): string => path.join(ctx.tools.fabricBin, 'peer');

function ordererArgs(ctx: Context, orderer: OrdererNode): string[] {
  return ['-o', `${orderer.address}:${orderer.port}`, '--tls', '--cafile', cryptoPaths(ctx.stateDir).ordererTlsCa];
}

/** The definition committed on the channel, with the package the given org approved for it. */
export async function queryCommitted(ctx: Context, peer: PeerNode): Promise<CommittedDefinition | undefined> {
  const env = peerAdminEnv(peer, ctx.stateDir);
  let committed: { sequence: number; version: string };
  try {
    const { stdout } = await run(
      peerBin(ctx),
      [
        'lifecycle',
        'chaincode',
        'querycommitted',
        '--channelID',
        ctx.definition.channel,
        '--name',
        ctx.definition.name,
        '--output',
        'json',
      ],
      { env },
    );
    committed = JSON.parse(stdout) as { sequence: number; version: string };
  } catch (error) {
    // A chaincode never committed on the channel is 'not defined'/'not found' to the peer.
    if (/not (?:found|defined)/.test(String(error))) return undefined;
    throw error;
  }
  const { stdout } = await run(
    peerBin(ctx),
    [
      'lifecycle',
      'chaincode',
      'queryapproved',
      '--channelID',
      ctx.definition.channel,
      '--name',
      ctx.definition.name,
      '--sequence',
      String(committed.sequence),
      '--output',
      'json',
    ],
    { env },
  );
  const approved = JSON.parse(stdout) as { source?: { Type?: { LocalPackage?: { package_id?: string } } } };
  const packageId = approved.source?.Type?.LocalPackage?.package_id;
  return { sequence: committed.sequence, version: committed.version, ...(packageId ? { packageId } : {}) };
}

export async function install(ctx: Context, peer: PeerNode, pkg: ChaincodePackage): Promise<void> {
  const env = peerAdminEnv(peer, ctx.stateDir);
  const { stdout } = await run(peerBin(ctx), ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'], { env });
  const installed = JSON.parse(stdout || '{}') as { installed_chaincodes?: { package_id: string }[] };
  if (installed.installed_chaincodes?.some((cc) => cc.package_id === pkg.packageId)) return;
  await run(peerBin(ctx), ['lifecycle', 'chaincode', 'install', pkg.file], { env, timeoutMs: 300_000 });
}

function definitionArgs(ctx: Context, sequence: number, pkg: ChaincodePackage): string[] {
  return [
    '--channelID',
    ctx.definition.channel,
    '--name',
    ctx.definition.name,
    '--version',
    String(sequence),
    '--sequence',
    String(sequence),
    '--signature-policy',
    ctx.definition.endorsementPolicy,
    ...(pkg.collectionsConfig ? ['--collections-config', pkg.collectionsConfig] : []),
  ];
}

export async function approve(ctx: Context, peer: PeerNode, orderer: OrdererNode, sequence: number, pkg: ChaincodePackage): Promise<void> {
  await run(
    peerBin(ctx),
    [
      'lifecycle',
      'chaincode',
      'approveformyorg',
      ...ordererArgs(ctx, orderer),
      ...definitionArgs(ctx, sequence, pkg),
      '--package-id',
      pkg.packageId,
      '--waitForEvent',
    ],
    { env: peerAdminEnv(peer, ctx.stateDir) },
  );
}

export async function commit(
  ctx: Context,
  endorsers: readonly PeerNode[],
  orderer: OrdererNode,
  sequence: number,
  pkg: ChaincodePackage,
): Promise<void> {
  const [first] = endorsers;
  if (!first) throw new Error('commit needs at least one endorsing peer');
  const peerArgs = endorsers.flatMap((p) => [
    '--peerAddresses',
    `${p.address}:${p.port}`,
    '--tlsRootCertFiles',
    cryptoPaths(ctx.stateDir).peerTlsCa(p.org),
  ]);
  await run(
    peerBin(ctx),
    [
      'lifecycle',
      'chaincode',
      'commit',
      ...ordererArgs(ctx, orderer),
      ...definitionArgs(ctx, sequence, pkg),
      ...peerArgs,
      '--waitForEvent',
    ],
    { env: peerAdminEnv(first, ctx.stateDir) },
  );
}

/** Launches the chaincode on a peer ahead of the first client, so nobody waits for Node to boot. */
export async function warmUp(ctx: Context, peer: PeerNode): Promise<void> {
  await run(
    peerBin(ctx),
    [
      'chaincode',
      'query',
      '-C',
      ctx.definition.channel,
      '-n',
      ctx.definition.name,
      '-c',
      '{"Args":["org.hyperledger.fabric:GetMetadata"]}',
    ],
    { env: peerAdminEnv(peer, ctx.stateDir), timeoutMs: 180_000 },
  );
}

/** Which orgs have approved this definition (`peer lifecycle chaincode checkcommitreadiness`), by MSP ID. */
export async function checkCommitReadiness(
  ctx: Context,
  peer: PeerNode,
  sequence: number,
  pkg: ChaincodePackage,
): Promise<Record<string, boolean>> {
  const { stdout } = await run(
    peerBin(ctx),
    ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definitionArgs(ctx, sequence, pkg), '--output', 'json'],
    { env: peerAdminEnv(peer, ctx.stateDir) },
  );
  return (JSON.parse(stdout) as { approvals?: Record<string, boolean> }).approvals ?? {};
}
