/**
 * An in-memory ledger and a `ChaincodeStub` over it that behave like a Fabric peer (v3, LevelDB), for
 * chaincode unit tests without a network:
 *
 * - a missing key reads as empty bytes; writing empty bytes is a delete;
 * - a transaction reads the committed state only, never its own writes;
 * - range and partial-composite-key queries return keys in UTF-8 byte order, with Fabric's pagination
 *   (the bookmark is the next key, '' after the last page) and its rule that a transaction that ran
 *   a paginated (or private-data range) query may not write, and vice versa;
 * - `getHistoryForKey` returns committed modifications newest first;
 * - private data per collection, with `memberOnlyRead` / `memberOnlyWrite` enforced against the
 *   caller's org and the transient map;
 * - `setEvent` overwrites (Fabric keeps one event per transaction) and counts its calls;
 * - key-level endorsement policies (`setStateValidationParameter`) are stored and read back;
 * - a chosen client MSP ID, a controllable transaction time and ID, and the write set of every
 *   transaction as deterministic bytes.
 *
 * {@link MemoryLedger.invoke} runs one transaction of a contract the way fabric-contract-api does
 * (fresh context, before/around/after hooks) and commits its writes only if it succeeds.
 *
 * This module is the one import path; the parts are: `memory-ledger` (committed state, history, clock,
 * `invoke`), `transaction-stub` (one transaction's stub: reads, buffered writes, queries, private data),
 * `key-store` (sorted committed keys), `query-iterators` (range and history results as the shim's),
 * `memory-identity` (the client identity) and `shim-dispatch` (the real fabric-shim dispatcher).
 * Test support only: never part of the chaincode package installed on peers.
 */

export { compareKeys, KeyStore } from './key-store';
export {
  type InvokeOptions,
  type InvokeResult,
  MemoryLedger,
  type MemoryLedgerOptions,
  type Modification,
  declaredTransactions,
  encodeWriteSet,
  type TxOptions,
} from './memory-ledger';
export { MemoryIdentity, TEST_CLIENT_CERT } from './memory-identity';
export { dispatch, type ShimChaincode, shimChaincode } from './shim-dispatch';
export { type CollectionConfig, MemoryStub, policyMembers, type WriteSet } from './transaction-stub';
