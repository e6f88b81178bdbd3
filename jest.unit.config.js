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
  setupFiles: ['<rootDir>/scripts/jest/quiet-chaincode.js'],
};
