import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { isP256, newNativeSigner } from './native-signer';
import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../config';

/**
 * The gRPC connection to the org's peer and the Fabric Gateway session over it. Every unary call has a
 * deadline from the config; event streams have none (they are meant to stay open).
 */

export interface FabricConnection {
  client: grpc.Client;
  gateway: Gateway;
  /** Closes the gateway, then the gRPC client (in that order). */
  close(): void;
}

/** Reads a key file, or the single file inside a directory (Fabric MSP `keystore/`). */
export function readKeyFile(path: string): Buffer {
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((name) => !name.startsWith('.'));
    if (files.length !== 1) throw new Error(`${path}: expected exactly one key file, found ${files.length}`);
    return readFileSync(join(path, files[0] as string));
  }
  return readFileSync(path);
}

/** Opens a TLS gRPC client to the peer; `hostAlias` overrides the expected server name. */
export function newGrpcClient(peer: GatewayConfig['peer']): grpc.Client {
  const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsCACertPath));
  const options: grpc.ClientOptions = {
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
  };
  if (peer.hostAlias !== undefined) options['grpc.ssl_target_name_override'] = peer.hostAlias;
  return new grpc.Client(peer.endpoint, credentials, options);
}

/** Connects the org's application identity to the peer's Fabric Gateway service. */
export function connectFabric(config: GatewayConfig): FabricConnection {
  const client = newGrpcClient(config.peer);
  const deadline = (ms: number) => (): grpc.CallOptions => ({ deadline: Date.now() + ms });
  const key = createPrivateKey(readKeyFile(config.identity.keyPath));
  // Native signing for P-256 keys (the signer hashes the message itself); the library's signer otherwise.
  const signing = isP256(key)
    ? { signer: newNativeSigner(key), hash: hash.none }
    : { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 };
  const gateway = connect({
    client,
    identity: { mspId: config.mspId, credentials: readFileSync(config.identity.certPath) },
    ...signing,
    evaluateOptions: deadline(config.timeouts.evaluateMs),
    endorseOptions: deadline(config.timeouts.endorseMs),
    submitOptions: deadline(config.timeouts.submitMs),
    commitStatusOptions: deadline(config.timeouts.commitStatusMs),
  });
  return {
    client,
    gateway,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}
