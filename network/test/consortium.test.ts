import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { common, peer as peerProto } from '@hyperledger/fabric-protos';
import { ensureDemoKeys, gatewayConfigFor, orgDir } from '../../gateway/src/launch';
import { connectOrg, OrgClient } from '../src/client';
import { run } from '../src/exec';
import { approveDefinition, commitDefinition, commitReadiness, proposeDefinition } from '../src/governance';
import { down, NetworkStatus, status, up } from '../src/network';
import { addOrg, AddOrgResult, redefineForMembership, removeFromChannel } from '../src/orgs';
import { peerAdminEnv } from '../src/nodes';
import { REPO_ROOT } from '../src/paths';
import { ensureTools } from '../src/tools';
import { cryptoPaths, LOOPBACK } from '../src/topology';
import { networkTopology } from '../src/members';
import { readState } from '../src/state';
import { consoleLogger, silentLogger } from '../src/log';
import { errorText, runId, TEST_BASE_PORT } from './support/test-network';

/**
 * Consortium operations on a network of its own (the shared test network keeps its membership and
 * policy): a member joins and leaves through signed channel config updates, and the endorsement policy
 * changes by majority vote.
 */
const stateDir = path.join(REPO_ROOT, '.kiseki-scratch', `consortium-${TEST_BASE_PORT}`);
const opts = { stateDir };
const log = process.env.KISEKI_TEST_VERBOSE === '1' ? consoleLogger((line) => process.stderr.write(`${line}\n`)) : silentLogger;
const decoder = new TextDecoder();
const sha = (s: string): string => Buffer.from(s.padEnd(32, '.')).toString('hex').slice(0, 64);
const clients: OrgClient[] = [];

function client(current: NetworkStatus, mspId: string): OrgClient {
  const c = connectOrg(current, mspId);
  clients.push(c);
  return c;
}

async function submit(
  c: OrgClient,
  name: string,
  request: unknown,
  endorsingOrganizations?: string[],
): Promise<{ ok: boolean; code: number; result: unknown }> {
  const proposal = c.contract.newProposal(name, {
    arguments: [JSON.stringify(request)],
    ...(endorsingOrganizations ? { endorsingOrganizations } : {}),
  });
  const tx = await proposal.endorse();
  const commit = await tx.submit();
  const outcome = await commit.getStatus();
  return {
    ok: outcome.successful,
    code: outcome.code,
    result: outcome.successful ? JSON.parse(decoder.decode(tx.getResult())) : undefined,
  };
}

const terms = (termsId: string): Record<string, unknown> => ({
  termsId,
  aiTraining: true,
  commercialUse: true,
  derivatives: true,
  attribution: false,
  territory: 'worldwide',
  validFrom: '2024-01-01T00:00:00Z',
  dataPoolShareBps: 2000,
  legalTextDigest: sha(termsId),
});

const codeName = (code: number): string => Object.entries(peerProto.TxValidationCode).find(([, v]) => v === code)?.[0] ?? String(code);

let current: NetworkStatus;
let added: AddOrgResult;

beforeAll(async () => {
  await down({ stateDir, purge: true });
  mkdirSync(path.dirname(stateDir), { recursive: true });
  current = await up({ stateDir, basePort: TEST_BASE_PORT + 400, log });
}, 600_000);

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await down({ stateDir, purge: process.env.KISEKI_TEST_KEEP !== '1' });
}, 120_000);

describe('network env', () => {
  it("when an operator evals `network env ORG`, then Fabric's own peer and osnadmin CLIs work against that org's node", async () => {
    const cli = path.join(REPO_ROOT, 'network', 'dist', 'cli.js');
    const env = { ...process.env, KISEKI_STATE_DIR: stateDir, NODE_OPTIONS: '' };
    const peer = await run(
      'bash',
      [
        '-c',
        `set -euo pipefail; eval "$(node ${cli} env studio2)"; peer channel getinfo -c "$CHANNEL"; peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CHAINCODE"`,
      ],
      { env },
    );
    expect(peer.stdout).toMatch(/Blockchain info: \{"height":\d+/);
    expect(peer.stdout).toMatch(/Committed chaincode definition for chaincode 'kiseki' on channel 'kiseki':\nVersion: 1, Sequence: 1/);
    const osn = await run(
      'bash',
      [
        '-c',
        `set -euo pipefail; eval "$(node ${cli} env orderer --orderer orderer1)"; osnadmin channel list -o "$ORDERER_ADMIN_ADDRESS" --ca-file "$ORDERER_CA" --client-cert "$ORDERER_ADMIN_TLS_CERT" --client-key "$ORDERER_ADMIN_TLS_KEY"`,
      ],
      { env },
    );
    expect(osn.stdout).toMatch(/"name": ?"kiseki"/);
  });
});

describe('a member joins', () => {
  it('when a config update carries too few admin signatures, then the orderer refuses it and the tool says whose are missing', async () => {
    const failure = await addOrg({ ...opts, log, mspId: 'Studio3MSP', role: 'studio', signers: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(failure)).toMatch(
      /ordering service refused the config update: .*needs 3 signatures; signed: Studio1MSP; missing: 2 more from LicensorMSP, RegulatorMSP, Studio2MSP/,
    );
    expect(String(failure)).toMatch(
      /orderer said: implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 3 of the 'Admins' sub-policies/,
    );
    expect(readState(stateDir)?.members ?? []).toEqual([]);
  });

  it('when a second licensor joins, then its peer catches up, endorses and reads, and holds rights in the rights flow', async () => {
    added = await addOrg({ ...opts, log, mspId: 'Licensor2MSP', role: 'licensor' });
    process.stderr.write(`org add Licensor2MSP: ${JSON.stringify(added.timings)} ms; signers ${added.signers.join(', ')}\n`);
    expect(added.signers).toHaveLength(3);
    expect(added.endorsementPolicy).toBe("OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer', 'Licensor2MSP.peer')");
    current = await status(opts);
    expect(current.peers.map((p) => [p.name, p.healthy])).toContainEqual(['peer0.licensor2', true]);
    expect(current.chaincode.sequence).toBe(2);

    // Its peer holds the whole chain: the same height as a founding org's peer.
    const tools = await ensureTools(silentLogger);
    const topology = networkTopology(readState(stateDir) ?? { consensus: 'raft', basePort: 0 });
    const height = async (name: string): Promise<number> => {
      const node = topology.peers.find((p) => p.name === name);
      if (!node) throw new Error(name);
      const { stdout } = await run(path.join(tools.fabricBin, 'peer'), ['channel', 'getinfo', '-c', 'kiseki'], {
        env: peerAdminEnv(node, stateDir),
      });
      return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { height: number }).height;
    };
    expect(await height('peer0.licensor2')).toBe(await height('peer0.studio1'));

    // The role table learnt the org: it publishes terms as a licensor, endorsed by its own peer and one other.
    const licensor2 = client(current, 'Licensor2MSP');
    const studio1 = client(current, 'Studio1MSP');
    const termsId = `l2-terms-${runId}`;
    const published = await submit(licensor2, 'terms:Publish', terms(termsId), ['Licensor2MSP', 'Studio1MSP']);
    expect(published).toMatchObject({ ok: true, result: { termsId, issuerMsp: 'Licensor2MSP' } });
    const read = JSON.parse(decoder.decode(await licensor2.contract.evaluateTransaction('terms:Get', termsId))) as { issuerMsp: string };
    expect(read.issuerMsp).toBe('Licensor2MSP');

    // Rights on its work with Studio1 as co-holder: the key policy needs both orgs; a transfer executes.
    const rightsId = `l2-rights-${runId}`;
    const rights = await submit(licensor2, 'rights:Create', {
      rightsId,
      subjectType: 'work',
      subjectId: `l2-work-${runId}`,
      holders: [
        { holderId: 'l2', mspId: 'Licensor2MSP', shareBps: 7000 },
        { holderId: 's1', mspId: 'Studio1MSP', shareBps: 3000 },
      ],
    });
    expect(rights.ok).toBe(true);
    const transferId = `l2-transfer-${runId}`;
    expect(
      (
        await submit(licensor2, 'rights:ProposeTransfer', {
          transferId,
          rightsId,
          fromHolderId: 'l2',
          toHolderId: 's2',
          toMspId: 'Studio2MSP',
          shareBps: 1000,
          condition: { notBefore: '2020-01-01T00:00:00Z' },
        })
      ).ok,
    ).toBe(true);
    expect((await submit(studio1, 'rights:ExecuteTransfer', { transferId })).ok).toBe(true);
    const after = JSON.parse(decoder.decode(await studio1.contract.evaluateTransaction('rights:Get', rightsId))) as {
      holders: { mspId: string; shareBps: number }[];
    };
    expect(after.holders).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mspId: 'Licensor2MSP', shareBps: 6000 }),
        expect.objectContaining({ mspId: 'Studio2MSP', shareBps: 1000 }),
      ]),
    );
  });

  it("when the new org's gateway starts, then it serves the org's ledger view over REST", async () => {
    const index = current.orgs.findIndex((o) => o.mspId === 'Licensor2MSP');
    const config = gatewayConfigFor(current, index);
    const keys = ensureDemoKeys(stateDir, 'Licensor2MSP');
    const configFile = path.join(orgDir(stateDir, 'Licensor2MSP'), 'gateway.json');
    writeFileSync(configFile, JSON.stringify(config));
    const logFile = path.join(stateDir, 'logs', 'gateway-Licensor2MSP.log');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'gateway', 'dist', 'main.js')], {
      detached: true,
      stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
      env: { ...process.env, NODE_OPTIONS: '', KISEKI_GATEWAY_CONFIG: configFile },
    });
    child.unref();
    writeFileSync(path.join(stateDir, 'pids', 'gateway-Licensor2MSP.pid'), `${String(child.pid)}\n${process.execPath}\n`);
    const url = `http://127.0.0.1:${config.listen.port}`;
    expect(config.listen.port).toBe(TEST_BASE_PORT + 400 + 300 + added.member.slot);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`gateway not healthy; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const key = keys.find((k) => k.role === 'licensor-operator')?.key ?? '';
    const res = await fetch(`${url}/v1/terms/l2-terms-${runId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ issuerMsp: 'Licensor2MSP' });
  });
});

describe('a member leaves', () => {
  it('when it is removed from the channel, then its next endorsement fails validation, it reads no new blocks, the others carry on and its records stay readable', async () => {
    const removal = await removeFromChannel({ ...opts, log, mspId: 'Licensor2MSP' });
    expect(removal.signers).toHaveLength(3);
    const tools = await ensureTools(silentLogger);
    const all = networkTopology(readState(stateDir) ?? { consensus: 'raft', basePort: 0 }, { includeRemoved: true });
    const node = (name: string) => {
      const found = all.peers.find((p) => p.name === name);
      if (!found) throw new Error(name);
      return found;
    };
    const peerBin = path.join(tools.fabricBin, 'peer');
    const height = async (name: string): Promise<number> => {
      const { stdout } = await run(peerBin, ['channel', 'getinfo', '-c', 'kiseki'], { env: peerAdminEnv(node(name), stateDir) });
      return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { height: number }).height;
    };
    const paths = cryptoPaths(stateDir);
    const studio1 = node('peer0.studio1');
    const licensor2 = node('peer0.licensor2');
    const before = await height('peer0.studio1');
    // Studio1's admin asks Studio1's peer and the removed org's peer to endorse, as the policy still names it.
    await run(
      peerBin,
      [
        'chaincode',
        'invoke',
        '-C',
        'kiseki',
        '-n',
        'kiseki',
        '-o',
        `${LOOPBACK}:${all.orderers[0]?.port ?? 0}`,
        '--tls',
        '--cafile',
        paths.ordererTlsCa,
        '--peerAddresses',
        `${LOOPBACK}:${studio1.port}`,
        '--tlsRootCertFiles',
        paths.peerTlsCa(studio1.org),
        '--peerAddresses',
        `${LOOPBACK}:${licensor2.port}`,
        '--tlsRootCertFiles',
        paths.peerTlsCa(licensor2.org),
        '-c',
        JSON.stringify({
          Args: ['providers:Register', JSON.stringify({ providerId: `after-removal-${runId}`, payoutRefDigest: sha('p') })],
        }),
      ],
      { env: peerAdminEnv(studio1, stateDir) },
    );
    // The transaction is ordered; validation on every member's peer marks it invalid (the validation
    // codes are the peer's: read its copy of the block, not the orderer's).
    current = await status(opts);
    const studio1Client = client(current, 'Studio1MSP');
    const qscc = studio1Client.network.getContract('qscc');
    let codes: number[] | undefined;
    const deadline = Date.now() + 30_000;
    for (let n = before; codes === undefined;) {
      if (Date.now() > deadline) throw new Error('the invoke was never committed');
      if ((await height('peer0.studio1')) <= n) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const block = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', 'kiseki', String(n)));
      n += 1;
      const envelope = common.Envelope.deserializeBinary(block.getData()?.getDataList_asU8()[0] ?? new Uint8Array());
      const header = common.ChannelHeader.deserializeBinary(
        common.Payload.deserializeBinary(envelope.getPayload_asU8()).getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(),
      );
      if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) continue;
      codes = [...(block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array())];
    }
    expect(codes).toEqual([peerProto.TxValidationCode.ENDORSEMENT_POLICY_FAILURE]);

    // The others carry on; the removed org's peer no longer receives blocks; its records stay readable.
    expect((await submit(studio1Client, 'providers:Register', { providerId: `carry-on-${runId}`, payoutRefDigest: sha('q') })).ok).toBe(
      true,
    );
    expect(await height('peer0.licensor2')).toBeLessThan(await height('peer0.studio1'));
    const past = JSON.parse(decoder.decode(await studio1Client.contract.evaluateTransaction('terms:Get', `l2-terms-${runId}`))) as {
      issuerMsp: string;
    };
    expect(past.issuerMsp).toBe('Licensor2MSP');

    // Then the vote drops it from the endorsement policy and the role table.
    const policy = await redefineForMembership({ ...opts, log });
    expect(policy).toBe("OutOf(2, 'Studio1MSP.peer', 'Studio2MSP.peer', 'LicensorMSP.peer')");
    expect((await submit(studio1Client, 'providers:Register', { providerId: `after-vote-${runId}`, payoutRefDigest: sha('r') })).ok).toBe(
      true,
    );
  });
});

describe('governance by vote', () => {
  it('when a majority approves a new endorsement policy, then it takes effect, and a transaction endorsed under the old policy only is invalidated', async () => {
    current = await status(opts);
    const studio1 = client(current, 'Studio1MSP');
    const newPolicy = "AND('LicensorMSP.peer', OutOf(1, 'Studio1MSP.peer', 'Studio2MSP.peer'))";
    const proposal = await proposeDefinition({ ...opts, policy: newPolicy });
    // Endorsed by the two studios now (enough under the old policy), submitted only after the vote.
    const held = await studio1.contract
      .newProposal('providers:Register', {
        arguments: [JSON.stringify({ providerId: `held-${runId}`, payoutRefDigest: sha('h') })],
        endorsingOrganizations: ['Studio1MSP', 'Studio2MSP'],
      })
      .endorse();

    await approveDefinition({ ...opts, org: 'Studio1MSP' });
    const early = await commitDefinition(opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(early)).toMatch(
      new RegExp(
        `not committed: sequence ${proposal.sequence} .*: 1 of 3 approvals needed \\(MAJORITY of 4 orgs\\); approved: Studio1MSP; not yet: LicensorMSP, RegulatorMSP, Studio2MSP`,
      ),
    );
    await approveDefinition({ ...opts, org: 'Studio2MSP' });
    await approveDefinition({ ...opts, org: 'LicensorMSP' });
    const ready = await commitReadiness(opts);
    expect(ready).toMatchObject({
      approved: ['LicensorMSP', 'Studio1MSP', 'Studio2MSP'],
      missing: ['RegulatorMSP'],
      required: 3,
      ready: true,
    });
    await commitDefinition(opts);
    expect(readState(stateDir)?.endorsementPolicy).toBe(newPolicy);

    const late = await (await held.submit()).getStatus();
    process.stderr.write(
      `transaction endorsed under the old policy, committed after the vote: validation code ${late.code} (${codeName(late.code)})\n`,
    );
    expect(late.successful).toBe(false);
    const studiosOnly = await submit(studio1, 'providers:Register', { providerId: `studios-${runId}`, payoutRefDigest: sha('s') }, [
      'Studio1MSP',
      'Studio2MSP',
    ]).catch((e: unknown) => ({ ok: false, code: -1, result: errorText(e) }));
    expect(studiosOnly).toMatchObject({ ok: false, code: peerProto.TxValidationCode.ENDORSEMENT_POLICY_FAILURE });
    const withLicensor = await submit(studio1, 'providers:Register', { providerId: `licensed-${runId}`, payoutRefDigest: sha('t') }, [
      'Studio1MSP',
      'LicensorMSP',
    ]);
    expect(withLicensor.ok).toBe(true);
  });
});
