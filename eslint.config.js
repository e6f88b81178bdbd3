// Strict type-checked linting for every workspace's TypeScript.
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.kiseki*/**', 'reports/**', '**/*.js', 'client/src/schema.ts'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
    },
  },
  {
    // Contracts write only through the buffered ledger layer (chaincode/src/ledger/state.ts): a direct
    // stub write would skip the per-transaction cache and the batched flush, and read-your-writes breaks.
    files: ['chaincode/src/contracts/**/*.ts'],
    ignores: ['chaincode/src/contracts/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['object.property.name', 'object.name'].map((stub) => ({
          selector: `MemberExpression[${stub}='stub'][property.name=/^(put|del|purge|setState|setPrivateData)/]`,
          message: 'Contracts write state through chaincode/src/ledger (writeRecord, deleteKey, ...), never through the stub directly.',
        })),
      ],
    },
  },
  {
    // The browser console has its own compiler settings (DOM, bundler resolution).
    files: ['console/src/**/*.ts'],
    ignores: ['console/src/**/*.test.ts'],
    languageOptions: { parserOptions: { project: './console/tsconfig.json', tsconfigRootDir: __dirname } },
  },
);
