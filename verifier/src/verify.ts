import { canonicalJson, equal, fromBase64, fromHex, fromUtf8, pemToDer, toHex, utf8 } from './bytes';
import { ATTESTATION_STATEMENT, BUNDLE_FORMAT, type Attestation, type BundleTransaction, type EvidenceBundle } from './bundle';
import type { VerifierCrypto } from './crypto';
import {
  decodeBlock,
  decodeConfig,
  decodeSignatures,
  findTransaction,
  headerBytes,
  validationFlag,
  type BlockParts,
  type ChannelConfig,
  type Identity,
  type MspInfo,
  type TransactionParts,
} from './fabric';
import { leafHash, verifyExclusion, verifyInclusion } from './merkle';
import { formatPolicy, parsePolicy, satisfies, type Policy, type Principal, type Role } from './policy';
import { chainsTo, parseCertificate, type Certificate } from './x509';

/**
 * Checks an evidence bundle with no network: every step is a named check, and the bundle is accepted
 * only when all pass. The trust anchor is the hash of the channel's config block, pinned by the caller
 * (published by the consortium, printed by `network status`); everything else is derived from it.
 */

export interface VerifyOptions {
  crypto: VerifierCrypto;
  /** Lowercase hex header hash of the config block the verifier trusts. */
  anchor?: string;
  /** An endorsement policy to require instead of the one the bundle states. */
  policy?: string;
  /** The file the claim is about (output or data item bytes). */
  file?: Uint8Array;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Report {
  ok: boolean;
  claim: EvidenceBundle['claim'] | undefined;
  checks: Check[];
  /** One-sentence statement of what was proved (or why not). */
  summary: string;
}

const CHAINCODE_KEY = (type: string, id: string): string => `\u0000${type}\u0000${id}\u0000`;

class Checks {
  readonly list: Check[] = [];
  pass(name: string, detail: string): void {
    this.list.push({ name, ok: true, detail });
  }
  fail(name: string, detail: string): void {
    this.list.push({ name, ok: false, detail });
  }
  expect(name: string, ok: boolean, good: string, bad: string): boolean {
    if (ok) this.pass(name, good);
    else this.fail(name, bad);
    return ok;
  }
  get ok(): boolean {
    return this.list.length > 0 && this.list.every((c) => c.ok);
  }
}

/** Identities proven against the channel's MSPs, cached by certificate. */
class Msps {
  readonly #byId = new Map<string, { info: MspInfo; roots: Certificate[]; intermediates: Certificate[]; admins: Uint8Array[] }>();
  readonly #proven = new Map<string, Principal | undefined>();

  constructor(
    private readonly crypto: VerifierCrypto,
    infos: readonly MspInfo[],
  ) {
    for (const info of infos) {
      this.#byId.set(info.mspId, {
        info,
        roots: info.rootCerts.map((p) => parseCertificate(pemToDer(p))),
        intermediates: info.intermediateCerts.map((p) => parseCertificate(pemToDer(p))),
        admins: info.admins.map((p) => pemToDer(p)),
      });
    }
  }

  /** The principal an identity proves (its MSP and roles), or undefined when it does not chain to its MSP. */
  async prove(identity: Identity): Promise<{ principal?: Principal; cert?: Certificate; reason?: string }> {
    const msp = this.#byId.get(identity.mspId);
    if (msp === undefined) return { reason: `${identity.mspId} is not an organisation of the channel` };
    let cert: Certificate;
    try {
      cert = parseCertificate(pemToDer(identity.certificate));
    } catch (error) {
      return { reason: `unreadable certificate: ${error instanceof Error ? error.message : String(error)}` };
    }
    const key = `${identity.mspId}|${toHex(cert.der)}`;
    if (!this.#proven.has(key)) {
      if (!(await chainsTo(this.crypto, cert, msp.roots, msp.intermediates))) this.#proven.set(key, undefined);
      else {
        const roles = new Set<Role>(['member']);
        const ous = msp.info.nodeOUs;
        if (ous !== undefined) {
          if (cert.ous.includes(ous.peer)) roles.add('peer');
          if (cert.ous.includes(ous.client)) roles.add('client');
          if (cert.ous.includes(ous.admin)) roles.add('admin');
          if (cert.ous.includes(ous.orderer)) roles.add('orderer');
        }
        if (msp.admins.some((a) => equal(a, cert.der))) roles.add('admin');
        this.#proven.set(key, { mspId: identity.mspId, roles });
      }
    }
    const principal = this.#proven.get(key);
    return principal === undefined
      ? { cert, reason: `certificate of ${cert.commonName || 'the signer'} does not chain to ${identity.mspId}'s CA` }
      : { principal, cert };
  }

  /** Verifies a signature by an identity; returns its principal, or a reason. */
  async signed(identity: Identity, data: Uint8Array, signature: Uint8Array): Promise<{ principal?: Principal; reason?: string }> {
    const proven = await this.prove(identity);
    if (proven.principal === undefined || proven.cert === undefined) return { reason: proven.reason ?? 'unknown signer' };
    if (!(await this.crypto.verifyEcdsaSha256(proven.cert.spki, data, signature))) {
      return { reason: `signature of ${proven.cert.commonName || identity.mspId} (${identity.mspId}) does not verify` };
    }
    return { principal: proven.principal };
  }
}

function mspSummary(infos: readonly MspInfo[]): string {
  return canonicalJson(
    infos.map((m) => ({ mspId: m.mspId, rootCerts: m.rootCerts, intermediateCerts: m.intermediateCerts, tlsRootCerts: m.tlsRootCerts })),
  );
}

function writtenRecord(tx: TransactionParts, chaincode: string, key: string): Record<string, unknown> | undefined {
  const write = tx.writes.get(chaincode)?.find((w) => w.key === key && !w.isDelete);
  if (write === undefined) return undefined;
  try {
    return JSON.parse(fromUtf8(write.value)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a bundle. Never throws for a bad bundle: every problem becomes a failed check.
 */
export async function verifyBundle(bundle: EvidenceBundle, options: VerifyOptions): Promise<Report> {
  const checks = new Checks();
  try {
    await run(bundle, options, checks);
  } catch (error) {
    checks.fail('bundle', `malformed bundle: ${error instanceof Error ? error.message : String(error)}`);
  }
  const failed = checks.list.filter((c) => !c.ok);
  return {
    ok: checks.ok,
    claim: (bundle as Partial<EvidenceBundle>).claim,
    checks: checks.list,
    summary: checks.ok ? describeClaim(bundle) : `NOT VERIFIED: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
  };
}

function describeClaim(bundle: EvidenceBundle): string {
  const { claim } = bundle;
  const sealed = bundle.transactions.find((t) => t.role === 'seal' && t.subject === claim.modelId);
  if (claim.kind === 'output') {
    const out = bundle.transactions.find((t) => t.role === 'output');
    return (
      `VERIFIED: output ${claim.outputId} (SHA-256 ${claim.contentDigest}) was registered in block ${out?.blockNumber ?? '?'} ` +
      `from model ${claim.modelId} sealed in block ${sealed?.blockNumber ?? '?'}; the chaincode admits an output only when its whole lineage is authorized`
    );
  }
  const root = bundle.proof?.root ?? '?';
  return claim.kind === 'inclusion'
    ? `VERIFIED: data item ${claim.dataId} IS in the training set of model ${claim.modelId} (root ${root}, sealed in block ${sealed?.blockNumber ?? '?'})`
    : `VERIFIED: data item ${claim.dataId} is NOT in the training set of model ${claim.modelId} (root ${root}, sealed in block ${sealed?.blockNumber ?? '?'})`;
}

async function run(bundle: EvidenceBundle, options: VerifyOptions, checks: Checks): Promise<void> {
  const { crypto } = options;
  if ((bundle as { format?: unknown }).format !== BUNDLE_FORMAT) {
    checks.fail('format', `not a ${BUNDLE_FORMAT} bundle`);
    return;
  }
  const hash = async (b: BlockParts): Promise<Uint8Array> => crypto.sha256(headerBytes(b.number, b.previousHash, b.dataHash));

  // 1. The trust anchor: the config block, pinned by hash.
  const configBlock = decodeBlock(fromBase64(bundle.configBlock.block));
  const configHash = toHex(await hash(configBlock));
  if (options.anchor === undefined)
    checks.fail('anchor', `no pinned config block hash given (this bundle's config block ${configBlock.number} has hash ${configHash})`);
  else
    checks.expect(
      'anchor',
      configHash === options.anchor.toLowerCase(),
      `config block ${configBlock.number} has the pinned hash ${configHash}`,
      `config block ${configBlock.number} has hash ${configHash}, not the pinned ${options.anchor}`,
    );
  const configData = await crypto.sha256(concatAll(configBlock.data));
  if (
    !checks.expect(
      'config block',
      equal(configData, configBlock.dataHash),
      'its contents match its header',
      'its contents do not match its header (data hash)',
    )
  )
    return;
  const config: ChannelConfig = decodeConfig(configBlock);
  checks.expect(
    'channel',
    config.channel === bundle.channel,
    `channel ${config.channel}`,
    `the config block is of channel ${config.channel}, the bundle claims ${bundle.channel}`,
  );
  const allMsps = [...config.applicationMsps, ...config.ordererMsps];
  checks.expect(
    'trust roots',
    mspSummary(allMsps) === canonicalJson(bundle.msps),
    `${allMsps.length} MSPs (root and TLS certificates) as in the config block`,
    "the bundle's MSP certificates differ from those in the config block",
  );
  const msps = new Msps(crypto, allMsps);

  // 2. The header chain from the config block to the last block.
  const headers = bundle.headers.map((h) => ({
    number: BigInt(h.number),
    previousHash: fromHex(h.previousHash),
    dataHash: fromHex(h.dataHash),
  }));
  let chainOk =
    headers.length > 0 &&
    headers[0]?.number === configBlock.number &&
    equal(headers[0].dataHash, configBlock.dataHash) &&
    equal(headers[0].previousHash, configBlock.previousHash);
  const hashes = new Map<bigint, string>();
  for (let i = 0; i < headers.length && chainOk; i += 1) {
    const h = headers[i];
    if (h === undefined) break;
    const digest = await crypto.sha256(headerBytes(h.number, h.previousHash, h.dataHash));
    hashes.set(h.number, toHex(digest));
    const next = headers[i + 1];
    if (next !== undefined && (next.number !== h.number + 1n || !equal(next.previousHash, digest))) chainOk = false;
  }
  const last = headers[headers.length - 1]?.number;
  if (
    !checks.expect(
      'header chain',
      chainOk,
      `blocks ${configBlock.number}–${last ?? '?'} link by hash to the config block`,
      'the block headers do not link by hash to the config block',
    )
  )
    return;

  // 3. Each full block: in the chain, contents match, signed by the orderers under this config.
  const blocks = new Map<string, BlockParts>();
  for (const entry of bundle.blocks) {
    const block = decodeBlock(fromBase64(entry.block));
    blocks.set(block.number.toString(), block);
    const name = `block ${block.number}`;
    const inChain = hashes.get(block.number) === toHex(await hash(block));
    const dataOk = equal(await crypto.sha256(concatAll(block.data)), block.dataHash);
    if (
      !checks.expect(
        name,
        inChain && dataOk,
        'in the chain; contents match the header',
        inChain ? 'its contents do not match its header (data hash)' : 'its header is not the one in the chain',
      )
    )
      continue;
    await checkOrdererSignatures(block, config, configBlock.number, msps, checks);
  }

  // 4. Transactions: endorsements against the policy, written values, validation attestations.
  const policyText = bundle.endorsementPolicy;
  let policy: Policy;
  try {
    policy = parsePolicy(options.policy ?? policyText);
  } catch (error) {
    checks.fail('endorsement policy', error instanceof Error ? error.message : String(error));
    return;
  }
  if (options.policy !== undefined) {
    checks.expect(
      'endorsement policy',
      formatPolicy(policy) === formatPolicy(parsePolicy(policyText)),
      `pinned ${formatPolicy(policy)}`,
      `the pinned policy ${formatPolicy(policy)} is not the bundle's ${policyText}`,
    );
  }
  const written = new Map<string, Record<string, unknown>>();
  for (const ref of bundle.transactions) {
    const block = blocks.get(ref.blockNumber);
    const name = `${ref.role} tx ${ref.transactionId.slice(0, 12)}…`;
    if (block === undefined) {
      checks.fail(name, `block ${ref.blockNumber} is not in the bundle`);
      continue;
    }
    const tx = findTransaction(block, ref.transactionId);
    if (tx === undefined) {
      checks.fail(name, `not in block ${ref.blockNumber}`);
      continue;
    }
    const record = await checkTransaction(tx, ref, bundle, policy, msps, checks, name);
    if (record !== undefined) written.set(`${ref.role}:${ref.subject}`, record);
    await checkAttestations(ref, block, hashes.get(block.number) ?? '', tx, bundle, policy, msps, checks, name);
  }

  // 5. The claim against what was written, the proof, the file.
  await checkClaim(bundle, written, options, checks);
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function checkOrdererSignatures(
  block: BlockParts,
  config: ChannelConfig,
  configNumber: bigint,
  msps: Msps,
  checks: Checks,
): Promise<void> {
  const name = `orderer signatures of block ${block.number}`;
  const { signatures, lastConfig } = decodeSignatures(block, config.consenters);
  const header = headerBytes(block.number, block.previousHash, block.dataHash);
  const ordererMsps = new Set(config.ordererMsps.map((m) => m.mspId));
  const signers = new Set<string>();
  const problems: string[] = [];
  for (const s of signatures) {
    if (s.identity === undefined) {
      problems.push(`unknown consenter ${s.consenterId ?? '?'}`);
      continue;
    }
    if (!ordererMsps.has(s.identity.mspId)) {
      problems.push(`${s.identity.mspId} is not an orderer organisation`);
      continue;
    }
    const result = await msps.signed(s.identity, concatAll([s.prefix, header]), s.signature);
    if (result.principal === undefined) problems.push(result.reason ?? 'invalid');
    else if (config.ordererMsps.find((m) => m.mspId === s.identity?.mspId)?.nodeOUs !== undefined && !result.principal.roles.has('orderer'))
      problems.push('signer is not an orderer');
    else signers.add(s.identity.certificate);
  }
  const bft = config.consensusType.toUpperCase() === 'BFT';
  const n = config.consenters.length;
  const needed = bft ? Math.ceil((n + Math.floor((n - 1) / 3) + 1) / 2) : 1;
  if (signers.size < needed) {
    checks.fail(
      name,
      `${signers.size} valid orderer signature(s), ${needed} needed${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
    );
    return;
  }
  if (lastConfig !== configNumber) {
    checks.fail(name, `signed under config block ${lastConfig ?? '?'}, not the bundle's config block ${configNumber}`);
    return;
  }
  checks.pass(
    name,
    `${signers.size} valid signature(s) by ${config.consensusType} orderers (${needed} needed), under config block ${configNumber}`,
  );
}

async function checkTransaction(
  tx: TransactionParts,
  ref: BundleTransaction,
  bundle: EvidenceBundle,
  policy: Policy,
  msps: Msps,
  checks: Checks,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  if (tx.channel !== bundle.channel || tx.chaincode !== bundle.chaincode || tx.responseStatus !== 200) {
    checks.fail(name, `not a successful ${bundle.chaincode} transaction on ${bundle.channel}`);
    return undefined;
  }
  const creator = await msps.signed(tx.creator, tx.payload, tx.signature);
  if (creator.principal === undefined) {
    checks.fail(`${name} submitter`, creator.reason ?? 'invalid');
    return undefined;
  }
  checks.pass(`${name} submitter`, `signed by a ${tx.creator.mspId} identity`);
  const endorsers: Principal[] = [];
  const problems: string[] = [];
  for (const e of tx.endorsements) {
    const result = await msps.signed(e.identity, e.signed, e.signature);
    if (result.principal === undefined) problems.push(result.reason ?? 'invalid');
    else endorsers.push(result.principal);
  }
  const orgs = endorsers.map((p) => p.mspId).join(', ');
  if (problems.length > 0) checks.fail(`${name} endorsements`, problems.join('; '));
  else
    checks.expect(
      `${name} endorsements`,
      satisfies(policy, endorsers),
      `${endorsers.length} valid endorsements (${orgs}) satisfy ${formatPolicy(policy)}`,
      `endorsements by ${orgs || 'nobody'} do not satisfy ${formatPolicy(policy)}`,
    );

  const type = ref.role === 'output' ? 'output' : ref.role === 'seal' ? 'model' : 'data';
  const record = writtenRecord(tx, bundle.chaincode, CHAINCODE_KEY(type, ref.subject));
  checks.expect(`${name} writes`, record !== undefined, `writes ${type} ${ref.subject}`, `does not write ${type} ${ref.subject}`);
  return record;
}

async function checkAttestations(
  ref: BundleTransaction,
  block: BlockParts,
  blockHash: string,
  tx: TransactionParts,
  bundle: EvidenceBundle,
  policy: Policy,
  msps: Msps,
  checks: Checks,
  name: string,
): Promise<void> {
  const peerFlag = validationFlag(block, tx.index);
  const mine = bundle.attestations.filter((a) => a.statement.transactionId === ref.transactionId);
  const attesters: Principal[] = [];
  const problems: string[] = [];
  for (const a of mine) {
    const s = a.statement;
    const expected = {
      statement: ATTESTATION_STATEMENT,
      channel: bundle.channel,
      chaincode: bundle.chaincode,
      transactionId: ref.transactionId,
      blockNumber: block.number.toString(),
      blockHash,
      validationCode: 'VALID',
      endorsementPolicy: bundle.endorsementPolicy,
    };
    if (canonicalJson(s) !== canonicalJson(expected)) {
      problems.push(`${a.signer.mspId} attests something else`);
      continue;
    }
    const result = await verifyAttestation(a, msps);
    if (result.principal === undefined) problems.push(`${a.signer.mspId}: ${result.reason ?? 'invalid'}`);
    else attesters.push(result.principal);
  }
  const orgs = [...new Set(attesters.map((p) => p.mspId))].join(', ');
  const enough = satisfies(policy, attesters, true);
  if (problems.length > 0) checks.fail(`${name} validation`, problems.join('; '));
  else
    checks.expect(
      `${name} validation`,
      enough && peerFlag === 0,
      `VALID, attested by ${orgs} (enough for ${formatPolicy(policy)})`,
      peerFlag !== 0
        ? `the block marks it invalid (code ${peerFlag ?? '?'})`
        : `VALID attested only by ${orgs || 'nobody'}: not enough organisations for ${formatPolicy(policy)}`,
    );
}

async function verifyAttestation(a: Attestation, msps: Msps): Promise<{ principal?: Principal; reason?: string }> {
  let signature: Uint8Array;
  try {
    signature = fromBase64(a.signature);
  } catch {
    return { reason: 'unreadable signature' };
  }
  return msps.signed({ mspId: a.signer.mspId, certificate: a.signer.certificate }, utf8(canonicalJson(a.statement)), signature);
}

async function checkClaim(
  bundle: EvidenceBundle,
  written: Map<string, Record<string, unknown>>,
  options: VerifyOptions,
  checks: Checks,
): Promise<void> {
  const { claim } = bundle;
  const { crypto } = options;
  const sealed = written.get(`seal:${claim.modelId}`);
  if (
    !checks.expect(
      'model sealed',
      sealed?.status === 'sealed' && typeof sealed.trainingRoot === 'string',
      `model ${claim.modelId} sealed with root ${String(sealed?.trainingRoot)} (${String(sealed?.trainingSize)} items)`,
      `no transaction in the bundle seals model ${claim.modelId}`,
    ) ||
    sealed === undefined
  ) {
    return;
  }
  let fileDigest: string | undefined;
  if (options.file !== undefined) fileDigest = toHex(await crypto.sha256(options.file));

  if (claim.kind === 'output') {
    const output = written.get(`output:${claim.outputId}`);
    checks.expect(
      'output record',
      output?.modelId === claim.modelId && output.contentDigest === claim.contentDigest,
      `output ${claim.outputId} of model ${claim.modelId}, SHA-256 ${claim.contentDigest}`,
      `the ledger wrote ${output === undefined ? 'no such output' : `model ${String(output.modelId)}, digest ${String(output.contentDigest)}`}, not what the claim says`,
    );
    // The lineage: every base model sealed too.
    let model: Record<string, unknown> | undefined = sealed;
    for (let depth = 0; model !== undefined && typeof model.baseModelId === 'string' && depth < 64; depth += 1) {
      const base = written.get(`seal:${model.baseModelId}`);
      checks.expect(
        'lineage',
        base?.status === 'sealed',
        `base model ${model.baseModelId} sealed`,
        `base model ${model.baseModelId} has no seal in the bundle`,
      );
      model = base;
    }
    if (fileDigest !== undefined)
      checks.expect(
        'file',
        fileDigest === claim.contentDigest,
        `the file's SHA-256 is the output's`,
        `the file's SHA-256 ${fileDigest} is not the output's ${claim.contentDigest}`,
      );
    return;
  }

  const root = String(sealed.trainingRoot);
  const size = Number(sealed.trainingSize);
  const proof = bundle.proof;
  if (proof === undefined || proof.kind !== claim.kind || proof.dataId !== claim.dataId) {
    checks.fail('proof', `no ${claim.kind} proof for ${claim.dataId}`);
    return;
  }
  if (
    !checks.expect(
      'proof root',
      proof.root === root && proof.treeSize === size,
      'the proof is against the sealed root and size',
      `the proof is against root ${proof.root} (size ${proof.treeSize}), the ledger sealed ${root} (size ${size})`,
    )
  )
    return;
  const rootBytes = fromHex(root);
  const valid =
    proof.kind === 'inclusion'
      ? await verifyInclusion(crypto, await leafHash(crypto, claim.dataId), proof.leafIndex, size, proof.auditPath, rootBytes)
      : await verifyExclusion(crypto, claim.dataId, proof.proof, rootBytes, size);
  checks.expect(
    'proof',
    valid,
    `RFC 6962 ${proof.kind} proof of ${claim.dataId} verifies`,
    `the RFC 6962 ${proof.kind} proof of ${claim.dataId} does not verify`,
  );
  const data = written.get(`data:${claim.dataId}`);
  if (claim.contentDigest !== undefined) {
    checks.expect(
      'data record',
      data?.contentDigest === claim.contentDigest,
      `data item ${claim.dataId} has SHA-256 ${claim.contentDigest}`,
      `no transaction in the bundle registers ${claim.dataId} with SHA-256 ${claim.contentDigest}`,
    );
  }
  if (fileDigest !== undefined) {
    const expected = claim.contentDigest ?? (typeof data?.contentDigest === 'string' ? data.contentDigest : undefined);
    checks.expect(
      'file',
      fileDigest === expected,
      `the file's SHA-256 is data item ${claim.dataId}'s`,
      `the file's SHA-256 ${fileDigest} is not data item ${claim.dataId}'s ${expected ?? '(unknown)'}`,
    );
  }
}
