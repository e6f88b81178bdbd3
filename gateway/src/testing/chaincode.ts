/**
 * The chaincode's own test support, as the gateway's unit tests use it: the in-memory ledger that
 * behaves like a peer, the contract classes the peers run, and the private data collections. The one
 * place that knows where they live in the chaincode package.
 */
export { MemoryLedger } from '@kiseki/chaincode/testing/memory-stub';
export { loadCollections } from '@kiseki/chaincode/testing/provenance-fixtures';
export { contracts } from '@kiseki/chaincode';
