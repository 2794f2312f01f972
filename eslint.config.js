import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The twin (src/twin) is a test double. Product code never imports it, so it cannot reach an
// action's bundle; the CLI, tests and scripts reach it through its entry module only
// (src/twin/index.ts), so its other modules stay free to change. test/twin tests those insides
// and may import them.
const anyTwinModule = '(^|/)twin/';
const twinInternals = '(^|/)twin/(?!index\\.js$)';
const notInProduct =
  'The twin is a test double and must never reach an action: only src/cli and tests import it.';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    ignores: ['src/twin/**', 'test/twin/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: twinInternals,
              message: 'Import the twin through its entry module, twin/index.js.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/twin/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: anyTwinModule, message: notInProduct }] },
      ],
      'no-restricted-syntax': [
        'error',
        // `import('../twin/…')`, which no-restricted-imports does not see
        { selector: 'ImportExpression[source.value=/(^|\\x2F)twin\\x2F/]', message: notInProduct },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
