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
    // The browser console has its own compiler settings (DOM, bundler resolution).
    files: ['console/src/**/*.ts'],
    ignores: ['console/src/**/*.test.ts'],
    languageOptions: { parserOptions: { project: './console/tsconfig.json', tsconfigRootDir: __dirname } },
  },
);
