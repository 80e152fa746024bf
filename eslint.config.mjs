// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import labbench from './eslint-rules/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.node-red/**', 'coverage/**', 'resources/labbench-rules.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The layers (eslint-rules/layers.mjs; proven to fire by test/lint/layers.test.ts).
    files: ['src/**/*.ts', 'nodes/**/*.ts'],
    plugins: { labbench },
    rules: { 'labbench/layers': 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Editor-side scripts inside nodes/*.html are not linted here; they are plain ES5-ish browser code.
    files: ['eslint.config.mjs', 'eslint-rules/**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
