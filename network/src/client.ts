import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, Network, signers } from '@hyperledger/fabric-gateway';
import { NetworkError } from './errors';
import { NetworkStatus, OrgConnection } from './network';

export interface OrgClient {
  readonly mspId: string;
  readonly gateway: Gateway;
  readonly network: Network;
  /** The Kiseki chaincode, addressed as `contract:Transaction` by name (e.g. `providers:Register`). */
  readonly contract: Contract;
  close(): void;
}

export interface ConnectOptions {
  /** Client (User1) by default; the org admin for administrative drills. */
  readonly identity?: 'user' | 'admin';
  readonly evaluateTimeoutMs?: number;
  readonly submitTimeoutMs?: number;
}

export function orgConnection(status: NetworkStatus, mspId: string): OrgConnection {
  const org = status.orgs.find((o) => o.mspId === mspId);
  if (!org) throw new NetworkError(`no org ${mspId}; orgs: ${status.orgs.map((o) => o.mspId).join(', ')}`);
  return org;
}

/** Opens a Fabric Gateway connection to an org's own peer as one of its identities. */
export function connectOrg(status: NetworkStatus, mspId: string, options: ConnectOptions = {}): OrgClient {
  const org = orgConnection(status, mspId);
  const admin = options.identity === 'admin';
  const client = new grpc.Client(org.peerEndpoint, grpc.credentials.createSsl(readFileSync(org.tlsCACertPath)), {
    'grpc.ssl_target_name_override': org.peerHostAlias,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const evaluateMs = options.evaluateTimeoutMs ?? 10_000;
  const submitMs = options.submitTimeoutMs ?? 60_000;
  const gateway = connect({
    client,
    identity: { mspId, credentials: readFileSync(admin ? org.adminCertPath : org.userCertPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(admin ? org.adminKeyPath : org.userKeyPath))),
    evaluateOptions: () => ({ deadline: Date.now() + evaluateMs }),
    endorseOptions: () => ({ deadline: Date.now() + submitMs }),
    submitOptions: () => ({ deadline: Date.now() + submitMs }),
    commitStatusOptions: () => ({ deadline: Date.now() + submitMs }),
  });
  const network = gateway.getNetwork(status.channel);
  return {
    mspId,
    gateway,
    network,
    contract: network.getContract(status.chaincode.name),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}
