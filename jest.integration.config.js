/**
 * Integration tier: the real Fabric network and MinIO, started once by the global setup on its own
 * base port and state dir, stopped in the teardown. Files run one at a time: fault drills stop nodes.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode', '<rootDir>/network', '<rootDir>/gateway', '<rootDir>/console', '<rootDir>/verifier'],
  // Network state dirs hold packaged copies of the chaincode: never crawl them.
  modulePathIgnorePatterns: ['<rootDir>/\\.kiseki', '/dist/'],
  testMatch: ['<rootDir>/{network,chaincode,gateway,console,verifier}/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/network/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/network/test/support/global-teardown.ts',
  testTimeout: 180000,
  maxWorkers: 1,
};
