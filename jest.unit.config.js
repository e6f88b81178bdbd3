/** Unit tiers: pure logic and contracts on the in-memory stub, beside the code; no network. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode', '<rootDir>/network', '<rootDir>/gateway', '<rootDir>/console', '<rootDir>/verifier', '<rootDir>/client'],
  // Network state dirs hold packaged copies of the chaincode: never crawl them.
  modulePathIgnorePatterns: ['<rootDir>/\\.kiseki', '/dist/'],
  testMatch: ['<rootDir>/{network,chaincode,gateway,console,verifier,client}/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Unit tests are fast when the machine is free; the deadline only has to catch a hang, and a test
  // starved of CPU by other work (a 45-proof check once took over 5 s) is not a failure.
  testTimeout: 30_000,
  setupFiles: ['<rootDir>/scripts/jest/quiet-chaincode.js'],
};
