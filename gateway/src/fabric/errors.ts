import { status as GrpcStatus } from '@grpc/grpc-js';
import { parseErrorCode, type ErrorCode } from '@kiseki/chaincode/shared/errors';
import { AppError, type AppErrorCode } from '../errors';

/**
 * The one place where Fabric failures become API errors. A chaincode refusal carries a stable code at the
 * start of its message (`NOT_FOUND: …`), which maps to a 4xx; infrastructure failures map to 502/503/504
 * and keep the transaction ID so the client can ask for its status later.
 *
 * Fabric's error classes are recognised by their `name` (set by @hyperledger/fabric-gateway) and shape,
 * not by `instanceof`, so this module does not load the client library (and tests can build lookalikes).
 */

const CHAINCODE_TO_APP: Readonly<Record<ErrorCode, AppErrorCode>> = {
  INVALID: 'INVALID',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  STATE: 'STATE',
};

/** Validation codes (peer.TxValidationCode) worth retrying with a fresh proposal. */
export const RETRYABLE_VALIDATION_CODES: ReadonlySet<number> = new Set([11 /* MVCC_READ_CONFLICT */, 12 /* PHANTOM_READ_CONFLICT */]);

/** Human names of the validation codes the gateway reports. */
export const VALIDATION_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'VALID',
  10: 'ENDORSEMENT_POLICY_FAILURE',
  11: 'MVCC_READ_CONFLICT',
  12: 'PHANTOM_READ_CONFLICT',
  254: 'NOT_VALIDATED',
  255: 'INVALID_OTHER_REASON',
};

export function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES[code] ?? `VALIDATION_CODE_${code}`;
}

/** The shape shared by fabric-gateway's GatewayError and its subclasses. */
interface FabricError extends Error {
  name: 'GatewayError' | 'EndorseError' | 'SubmitError' | 'CommitStatusError' | 'CommitError';
  code: number;
  details?: { address?: string; message?: string; mspId?: string }[];
  transactionId?: string;
}

const FABRIC_ERROR_NAMES = new Set(['GatewayError', 'EndorseError', 'SubmitError', 'CommitStatusError', 'CommitError']);

export function isFabricError(error: unknown): error is FabricError {
  return error instanceof Error && FABRIC_ERROR_NAMES.has(error.name) && typeof (error as { code?: unknown }).code === 'number';
}

/** Texts that may hold the chaincode's message: the error's own and each endorser's detail. */
function messagesOf(error: Error): string[] {
  const out = [error.message];
  if (isFabricError(error)) for (const detail of error.details ?? []) if (typeof detail.message === 'string') out.push(detail.message);
  return out;
}

/** Finds a chaincode error code and the message from the code onwards, e.g. `NOT_FOUND: data d1 …`. */
export function findChaincodeError(error: Error): { code: ErrorCode; message: string } | undefined {
  for (const text of messagesOf(error)) {
    const code = parseErrorCode(text);
    if (code !== undefined) {
      const at = text.indexOf(`${code}: `);
      return { code, message: text.slice(at).trim() };
    }
  }
  return undefined;
}

/** The orderer addresses named in a failed submission's details, or a generic name. */
function orderersOf(error: FabricError): string {
  const addresses = [...new Set((error.details ?? []).map((d) => d.address).filter((a): a is string => a !== undefined))];
  return addresses.length > 0 ? `tried ${addresses.join(', ')}` : 'the ordering service is unavailable';
}

/** An unreachable endorser named in the details (another org's peer), else the org's own peer. */
function unavailableComponent(error: FabricError): string {
  const detail = error.details?.find((d) => d.address !== undefined);
  return detail === undefined ? "the org's peer" : `peer ${detail.mspId ?? '?'}@${detail.address ?? '?'}`;
}

function firstDetail(error: FabricError): string {
  const detail = error.details?.[0];
  const text = detail === undefined ? error.message : `${detail.mspId ?? '?'}@${detail.address ?? '?'}: ${detail.message ?? ''}`;
  // Keep responses short; the full text goes to the log through `cause`.
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * Converts anything thrown by a Fabric call into an {@link AppError}.
 * @param transactionId the transaction being processed, when the caller knows it.
 */
export function fabricToAppError(error: unknown, transactionId?: string): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof Error)) return new AppError('INTERNAL', 'unexpected ledger failure', { cause: error });

  const chaincode = findChaincodeError(error);
  if (chaincode !== undefined) return new AppError(CHAINCODE_TO_APP[chaincode.code], chaincode.message, { cause: error });
  if (!isFabricError(error)) return new AppError('INTERNAL', 'unexpected ledger failure', { cause: error });

  const txId = error.transactionId ?? transactionId;
  // Once a transaction went past endorsement, a failure does not prove that it will not commit.
  const outcomeUnknown = error.name === 'SubmitError' || error.name === 'CommitStatusError';
  const withTx = txId === undefined ? {} : { transactionId: txId, outcomeUnknown };
  const later = txId === undefined ? '' : `; ask GET /v1/transactions/${txId} later`;

  if (error.name === 'CommitError') {
    return new AppError('COMMIT_FAILED', `transaction ${txId ?? ''} was invalidated: ${validationCodeName(error.code)}`, {
      cause: error,
      ...(txId === undefined ? {} : { transactionId: txId }),
    });
  }
  // gRPC status codes are plain numbers on the error; compare them as numbers.
  const grpcCode: number = error.code;
  // Name the component that failed: the orderers when ordering failed, the peer otherwise.
  if (error.name === 'SubmitError') {
    switch (grpcCode) {
      case GrpcStatus.DEADLINE_EXCEEDED as number:
        return new AppError('TIMEOUT', `the ordering service did not answer in time${later}`, { cause: error, ...withTx });
      case GrpcStatus.UNAVAILABLE as number:
        return new AppError('UNAVAILABLE', `no orderer accepted the transaction (${orderersOf(error)})${later}`, {
          cause: error,
          ...withTx,
          headers: { 'Retry-After': '5' },
        });
      default:
        break;
    }
  }
  if (error.name === 'CommitStatusError' && grpcCode === (GrpcStatus.DEADLINE_EXCEEDED as number)) {
    return new AppError('TIMEOUT', `the transaction was ordered but its commit was not seen in time${later}`, { cause: error, ...withTx });
  }
  switch (grpcCode) {
    case GrpcStatus.DEADLINE_EXCEEDED as number:
      return new AppError('TIMEOUT', `the org's peer did not answer in time${later}`, { cause: error, ...withTx });
    case GrpcStatus.UNAVAILABLE as number:
      return new AppError('UNAVAILABLE', `${unavailableComponent(error)} is unreachable${later}`, {
        cause: error,
        ...withTx,
        headers: { 'Retry-After': '5' },
      });
    case GrpcStatus.CANCELLED as number:
      return new AppError('UNAVAILABLE', `the ledger call was cancelled${later}`, { cause: error, ...withTx });
    default:
      break;
  }
  switch (error.name) {
    case 'EndorseError':
      return new AppError('ENDORSEMENT_FAILED', `endorsement failed: ${firstDetail(error)}`, { cause: error, ...withTx });
    case 'SubmitError':
      return new AppError('COMMIT_FAILED', `the ordering service did not accept the transaction: ${firstDetail(error)}${later}`, {
        cause: error,
        ...withTx,
      });
    case 'CommitStatusError':
      return new AppError('TIMEOUT', `the commit status is unknown${later}`, { cause: error, ...withTx });
    default:
      return new AppError('ENDORSEMENT_FAILED', `ledger call failed: ${firstDetail(error)}`, { cause: error, ...withTx });
  }
}
