import * as common from '@hyperledger/fabric-protos/lib/common/common_pb';
import * as configtx from '@hyperledger/fabric-protos/lib/common/configtx_pb';
import * as configuration from '@hyperledger/fabric-protos/lib/common/configuration_pb';
import * as kvrwset from '@hyperledger/fabric-protos/lib/ledger/rwset/kvrwset/kv_rwset_pb';
import * as rwset from '@hyperledger/fabric-protos/lib/ledger/rwset/rwset_pb';
import * as identities from '@hyperledger/fabric-protos/lib/msp/identities_pb';
import * as mspConfig from '@hyperledger/fabric-protos/lib/msp/msp_config_pb';
import * as ordererConfig from '@hyperledger/fabric-protos/lib/orderer/configuration_pb';
import * as proposal from '@hyperledger/fabric-protos/lib/peer/proposal_pb';
import * as proposalResponse from '@hyperledger/fabric-protos/lib/peer/proposal_response_pb';
import * as transaction from '@hyperledger/fabric-protos/lib/peer/transaction_pb';
import { concat, fromUtf8 } from './bytes';

/**
 * Decoding of Fabric's blocks, transactions and channel config with Fabric's own protobufs. Every
 * signed byte string is taken as it sits in the block, never re-encoded: Fabric signs serialized
 * bytes, and protobuf encoding is not canonical.
 */

export interface BlockParts {
  number: bigint;
  previousHash: Uint8Array;
  dataHash: Uint8Array;
  data: Uint8Array[];
  metadata: Uint8Array[];
}

export function decodeBlock(bytes: Uint8Array): BlockParts {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader();
  if (header === undefined) throw new Error('block without header');
  return {
    number: BigInt(header.getNumber()),
    previousHash: header.getPreviousHash_asU8(),
    dataHash: header.getDataHash_asU8(),
    data: block.getData()?.getDataList_asU8() ?? [],
    metadata: block.getMetadata()?.getMetadataList_asU8() ?? [],
  };
}

function derLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

const derTlv = (tag: number, value: Uint8Array): Uint8Array => concat(new Uint8Array([tag]), derLength(value.length), value);

function derInteger(n: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  if (bytes.length === 0 || (bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return derTlv(0x02, new Uint8Array(bytes));
}

/** The bytes Fabric hashes and orderers sign for a header: ASN.1 DER `SEQUENCE { number, previousHash, dataHash }`. */
export function headerBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  return derTlv(0x30, concat(derInteger(number), derTlv(0x04, previousHash), derTlv(0x04, dataHash)));
}

/** A signer as Fabric serializes it: MSP ID and PEM certificate. */
export interface Identity {
  mspId: string;
  certificate: string;
}

export function decodeIdentity(bytes: Uint8Array): Identity {
  const id = identities.SerializedIdentity.deserializeBinary(bytes);
  return { mspId: id.getMspid(), certificate: fromUtf8(id.getIdBytes_asU8()) };
}

export interface OrdererSignature {
  /** Who signed; undefined for a BFT identifier header naming an unknown consenter. */
  identity?: Identity;
  /** What was signed: metadata value ‖ signature (or identifier) header ‖ header bytes (appended by the caller). */
  prefix: Uint8Array;
  signature: Uint8Array;
  consenterId?: number;
}

export interface SignatureMetadata {
  signatures: OrdererSignature[];
  /** The config block in force when the block was cut, as the orderers signed it. */
  lastConfig: bigint | undefined;
}

export function decodeSignatures(block: BlockParts, consenters: readonly Consenter[]): SignatureMetadata {
  const raw = block.metadata[common.BlockMetadataIndex.SIGNATURES] ?? new Uint8Array(0);
  const metadata = common.Metadata.deserializeBinary(raw);
  const value = metadata.getValue_asU8();
  let lastConfig: bigint | undefined;
  try {
    const index = common.OrdererBlockMetadata.deserializeBinary(value).getLastConfig()?.getIndex();
    lastConfig = index === undefined ? undefined : BigInt(index);
  } catch {
    lastConfig = undefined;
  }
  const signatures = metadata.getSignaturesList().map((s): OrdererSignature => {
    const signatureHeader = s.getSignatureHeader_asU8();
    if (signatureHeader.length === 0 && s.getIdentifierHeader_asU8().length > 0) {
      const identifierHeader = s.getIdentifierHeader_asU8();
      const consenterId = common.IdentifierHeader.deserializeBinary(identifierHeader).getIdentifier();
      const consenter = consenters.find((c) => c.id === consenterId);
      return {
        ...(consenter === undefined ? {} : { identity: { mspId: consenter.mspId, certificate: consenter.identity } }),
        prefix: concat(value, identifierHeader),
        signature: s.getSignature_asU8(),
        consenterId,
      };
    }
    const creator = common.SignatureHeader.deserializeBinary(signatureHeader).getCreator_asU8();
    return { identity: decodeIdentity(creator), prefix: concat(value, signatureHeader), signature: s.getSignature_asU8() };
  });
  return { signatures, lastConfig };
}

/** The validation code the committing peer recorded for transaction `index` (0 = VALID). */
export function validationFlag(block: BlockParts, index: number): number | undefined {
  return block.metadata[common.BlockMetadataIndex.TRANSACTIONS_FILTER]?.[index];
}

export interface KvWrite {
  key: string;
  isDelete: boolean;
  value: Uint8Array;
}

export interface Endorsement {
  identity: Identity;
  /** Signed bytes: proposal response payload ‖ serialized endorser. */
  signed: Uint8Array;
  signature: Uint8Array;
}

export interface TransactionParts {
  index: number;
  transactionId: string;
  channel: string;
  type: number;
  creator: Identity;
  /** The creator's signature over the envelope payload. */
  payload: Uint8Array;
  signature: Uint8Array;
  chaincode: string;
  responseStatus: number;
  endorsements: Endorsement[];
  /** Writes per namespace (chaincode name). */
  writes: Map<string, KvWrite[]>;
}

/** Finds and decodes an endorser transaction in a block. */
export function findTransaction(block: BlockParts, transactionId: string): TransactionParts | undefined {
  for (let index = 0; index < block.data.length; index += 1) {
    const envelope = common.Envelope.deserializeBinary(block.data[index] ?? new Uint8Array(0));
    const payloadBytes = envelope.getPayload_asU8();
    const payload = common.Payload.deserializeBinary(payloadBytes);
    const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0));
    if (channelHeader.getTxId() !== transactionId) continue;
    const signatureHeader = common.SignatureHeader.deserializeBinary(payload.getHeader()?.getSignatureHeader_asU8() ?? new Uint8Array(0));
    const tx = transaction.Transaction.deserializeBinary(payload.getData_asU8());
    const action = tx.getActionsList()[0];
    if (action === undefined) throw new Error(`transaction ${transactionId} has no action`);
    const actionPayload = transaction.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const endorsed = actionPayload.getAction();
    if (endorsed === undefined) throw new Error(`transaction ${transactionId} has no endorsed action`);
    const prpBytes = endorsed.getProposalResponsePayload_asU8();
    const prp = proposalResponse.ProposalResponsePayload.deserializeBinary(prpBytes);
    const chaincodeAction = proposal.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    const writes = new Map<string, KvWrite[]>();
    const results = rwset.TxReadWriteSet.deserializeBinary(chaincodeAction.getResults_asU8());
    for (const ns of results.getNsRwsetList()) {
      const kv = kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      writes.set(
        ns.getNamespace(),
        kv.getWritesList().map((w) => ({ key: w.getKey(), isDelete: w.getIsDelete(), value: w.getValue_asU8() })),
      );
    }
    return {
      index,
      transactionId,
      channel: channelHeader.getChannelId(),
      type: channelHeader.getType(),
      creator: decodeIdentity(signatureHeader.getCreator_asU8()),
      payload: payloadBytes,
      signature: envelope.getSignature_asU8(),
      chaincode: chaincodeAction.getChaincodeId()?.getName() ?? '',
      responseStatus: chaincodeAction.getResponse()?.getStatus() ?? 0,
      endorsements: endorsed.getEndorsementsList().map((e) => ({
        identity: decodeIdentity(e.getEndorser_asU8()),
        signed: concat(prpBytes, e.getEndorser_asU8()),
        signature: e.getSignature_asU8(),
      })),
      writes,
    };
  }
  return undefined;
}

export interface MspInfo {
  mspId: string;
  rootCerts: string[];
  intermediateCerts: string[];
  admins: string[];
  tlsRootCerts: string[];
  tlsIntermediateCerts: string[];
  /** NodeOU names per role, when NodeOUs are enabled. */
  nodeOUs?: { peer: string; client: string; admin: string; orderer: string };
}

export interface Consenter {
  id: number;
  mspId: string;
  /** PEM certificate of the consenter's signing identity. */
  identity: string;
}

export interface ChannelConfig {
  channel: string;
  applicationMsps: MspInfo[];
  ordererMsps: MspInfo[];
  consensusType: string;
  consenters: Consenter[];
}

function mspOf(group: configtx.ConfigGroup): MspInfo | undefined {
  const value = group.getValuesMap().get('MSP');
  if (value === undefined) return undefined;
  const config = mspConfig.MSPConfig.deserializeBinary(value.getValue_asU8());
  if (config.getType() !== 0) return undefined;
  const fabric = mspConfig.FabricMSPConfig.deserializeBinary(config.getConfig_asU8());
  const pems = (list: Uint8Array[]): string[] => list.map((b) => fromUtf8(b));
  const ous = fabric.getFabricNodeOus();
  return {
    mspId: fabric.getName(),
    rootCerts: pems(fabric.getRootCertsList_asU8()),
    intermediateCerts: pems(fabric.getIntermediateCertsList_asU8()),
    admins: pems(fabric.getAdminsList_asU8()),
    tlsRootCerts: pems(fabric.getTlsRootCertsList_asU8()),
    tlsIntermediateCerts: pems(fabric.getTlsIntermediateCertsList_asU8()),
    ...(ous?.getEnable() === true
      ? {
          nodeOUs: {
            peer: ous.getPeerOuIdentifier()?.getOrganizationalUnitIdentifier() ?? 'peer',
            client: ous.getClientOuIdentifier()?.getOrganizationalUnitIdentifier() ?? 'client',
            admin: ous.getAdminOuIdentifier()?.getOrganizationalUnitIdentifier() ?? 'admin',
            orderer: ous.getOrdererOuIdentifier()?.getOrganizationalUnitIdentifier() ?? 'orderer',
          },
        }
      : {}),
  };
}

/** The channel config held by a config block. @throws Error when it is not one. */
export function decodeConfig(block: BlockParts): ChannelConfig {
  const envelope = common.Envelope.deserializeBinary(block.data[0] ?? new Uint8Array(0));
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const channelHeader = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array(0));
  if (channelHeader.getType() !== common.HeaderType.CONFIG) throw new Error(`block ${block.number} is not a config block`);
  const root = configtx.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig()?.getChannelGroup();
  if (root === undefined) throw new Error('config without channel group');
  const groups = root.getGroupsMap();
  const application = groups.get('Application');
  const orderer = groups.get('Orderer');
  const msps = (group: configtx.ConfigGroup | undefined): MspInfo[] => {
    const out: MspInfo[] = [];
    group?.getGroupsMap().forEach((org: configtx.ConfigGroup) => {
      const info = mspOf(org);
      if (info !== undefined) out.push(info);
    });
    return out.sort((a, b) => (a.mspId < b.mspId ? -1 : 1));
  };
  const consensus = orderer?.getValuesMap().get('ConsensusType');
  const orderers = orderer?.getValuesMap().get('Orderers');
  return {
    channel: channelHeader.getChannelId(),
    applicationMsps: msps(application),
    ordererMsps: msps(orderer),
    consensusType: consensus === undefined ? '' : ordererConfig.ConsensusType.deserializeBinary(consensus.getValue_asU8()).getType(),
    consenters:
      orderers === undefined
        ? []
        : configuration.Orderers.deserializeBinary(orderers.getValue_asU8())
            .getConsenterMappingList()
            .map((c) => ({ id: c.getId(), mspId: c.getMspId(), identity: fromUtf8(c.getIdentity_asU8()) })),
  };
}
