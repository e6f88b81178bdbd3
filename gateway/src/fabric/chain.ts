import type { Network } from '@hyperledger/fabric-gateway';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { AppError } from '../errors';
import { fabricToAppError } from './errors';

/**
 * Raw reads of the channel through the peer's system chaincodes: blocks as the peer serves them
 * (`qscc`), a transaction's validation code, and the chaincode's endorsement policy (`_lifecycle`).
 * Bytes come back untouched, so signatures inside them still verify.
 */
export interface ChainReader {
  channel: string;
  chaincode: string;
  blockByNumber(number: bigint): Promise<Uint8Array>;
  blockByTransactionId(transactionId: string): Promise<Uint8Array>;
  /** The validation code the peer recorded (0 = VALID). @throws AppError `NOT_FOUND` for an unknown transaction. */
  validationCode(transactionId: string): Promise<number>;
  /** The chaincode's endorsement policy in Fabric's text form, e.g. `OutOf(2, 'A.peer', 'B.peer')`. */
  endorsementPolicy(): Promise<string>;
}

const ROLE_NAMES: Record<number, string> = { 0: 'member', 1: 'admin', 2: 'client', 3: 'peer', 4: 'orderer' };

/** Renders a signature policy envelope as Fabric's policy text. @throws Error for principals other than MSP roles. */
export function policyText(envelope: common.SignaturePolicyEnvelope): string {
  const principals = envelope.getIdentitiesList().map((p) => {
    if (p.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) throw new Error('only MSP role principals are supported');
    const role = msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
    return `'${role.getMspIdentifier()}.${ROLE_NAMES[role.getRole()] ?? 'member'}'`;
  });
  const render = (rule: common.SignaturePolicy | undefined): string => {
    if (rule === undefined) throw new Error('empty policy');
    if (rule.getTypeCase() === common.SignaturePolicy.TypeCase.SIGNED_BY) {
      const principal = principals[rule.getSignedBy()];
      if (principal === undefined) throw new Error('policy names an unknown principal');
      return principal;
    }
    const outOf = rule.getNOutOf();
    return `OutOf(${outOf?.getN() ?? 0}, ${(outOf?.getRulesList() ?? []).map(render).join(', ')})`;
  };
  return render(envelope.getRule());
}

const isMissing = (error: unknown): boolean =>
  /no such transaction|not found|failed to get/i.test(JSON.stringify(error, Object.getOwnPropertyNames(error)));

export class QsccChainReader implements ChainReader {
  #policy: string | undefined;

  constructor(
    private readonly network: Network,
    readonly chaincode: string,
  ) {}

  get channel(): string {
    return this.network.getName();
  }

  async #qscc(fn: string, ...args: string[]): Promise<Uint8Array> {
    try {
      return await this.network.getContract('qscc').evaluateTransaction(fn, this.channel, ...args);
    } catch (error) {
      if (isMissing(error))
        throw new AppError('NOT_FOUND', `the ledger has no ${fn === 'GetBlockByNumber' ? 'such block' : `transaction ${args[0] ?? ''}`}`, {
          cause: error,
        });
      throw fabricToAppError(error);
    }
  }

  blockByNumber(number: bigint): Promise<Uint8Array> {
    return this.#qscc('GetBlockByNumber', number.toString());
  }

  blockByTransactionId(transactionId: string): Promise<Uint8Array> {
    return this.#qscc('GetBlockByTxID', transactionId);
  }

  async validationCode(transactionId: string): Promise<number> {
    return peer.ProcessedTransaction.deserializeBinary(await this.#qscc('GetTransactionByID', transactionId)).getValidationcode();
  }

  async endorsementPolicy(): Promise<string> {
    if (this.#policy !== undefined) return this.#policy;
    const args = new peer.lifecycle.QueryChaincodeDefinitionArgs();
    args.setName(this.chaincode);
    let bytes: Uint8Array;
    try {
      bytes = await this.network.getContract('_lifecycle').evaluateTransaction('QueryChaincodeDefinition', args.serializeBinary());
    } catch (error) {
      throw fabricToAppError(error);
    }
    const definition = peer.lifecycle.QueryChaincodeDefinitionResult.deserializeBinary(bytes);
    const application = peer.ApplicationPolicy.deserializeBinary(definition.getValidationParameter_asU8());
    const envelope = application.getSignaturePolicy();
    if (envelope === undefined) {
      throw new AppError(
        'INTERNAL',
        `the chaincode's endorsement policy is a channel policy reference (${application.getChannelConfigPolicyReference()}); evidence needs an explicit signature policy`,
      );
    }
    this.#policy = policyText(envelope);
    return this.#policy;
  }
}
