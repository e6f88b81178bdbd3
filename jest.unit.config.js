/** Unit tiers: pure logic and contracts on the in-memory stub, beside the code; no network. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode/src', '<rootDir>/network/src', '<rootDir>/gateway/src'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
