// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import labbench from './eslint-rules/layers.mjs';
import regexp from 'eslint-plugin-regexp';

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
    // No regular expression in the tree may backtrack super-linearly: user text and instrument
    // replies are matched against them, so one long string must never stall the runtime.
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
    },
  },
  {
    // Editor-side scripts inside nodes/*.html are not linted here; they are plain ES5-ish browser code.
    files: ['eslint.config.mjs', 'eslint-rules/**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
