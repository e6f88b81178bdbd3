import type { Contract } from 'fabric-contract-api';
import type { ChaincodeResponse } from 'fabric-shim-api';

import type { MemoryLedger, TxOptions } from './memory-ledger';

/** fabric-shim's own contract dispatcher (what `fabric-chaincode-node start` runs), built from contract classes. */
export interface ShimChaincode {
  Invoke(stub: unknown): Promise<ChaincodeResponse>;
}

/**
 * Builds fabric-shim's contract dispatcher for `contractClasses` with the default JSON serializer, as
 * the peer-launched chaincode does. Use with {@link dispatch} to check that metadata, argument
 * marshalling and error messages work through the real shim, not only through {@link MemoryLedger.invoke}.
 */
export function shimChaincode(contractClasses: readonly (new () => Contract)[]): ShimChaincode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
    contracts: readonly (new () => Contract)[],
    serializers: unknown,
    metadata: unknown,
    title: string,
    version: string,
  ) => ShimChaincode;
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  return new ChaincodeFromContract(contractClasses, serializers, {}, 'kiseki', '0.0.0-test');
}

/**
 * Runs `fcn` (`<contract>:<transaction>`) through a {@link ShimChaincode} on `ledger` as `mspId`,
 * committing the writes when the shim answers 200. Returns what a client would see.
 */
export async function dispatch(
  ledger: MemoryLedger,
  chaincode: ShimChaincode,
  fcn: string,
  mspId: string,
  args: readonly string[],
  opts: TxOptions = {},
): Promise<{ status: number; message: string; payload: string; eventCount: number }> {
  const stub = ledger.begin(mspId, opts, fcn, args);
  const response = await chaincode.Invoke(stub);
  if (response.status === 200) ledger.commit(stub);
  return {
    status: response.status,
    message: response.message ?? '',
    payload: Buffer.from(response.payload ?? []).toString('utf8'),
    eventCount: stub.events.length,
  };
}
