// typescript-eslint's recommended rules over the sources, checks, tests and benches; formatting
// is prettier's job (see .prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', '**/*-validator.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        fetch: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      // Several modules exist to strip control characters from what peers send (reason phrases,
      // banners, XML) and to apply Unicode tables (SASLprep's mapped-to-nothing set): matching those
      // characters in a regular expression is their job, not a slip.
      'no-control-regex': 'off',
      'no-misleading-character-class': 'off',
      // A timer or a start time set once, after the closures that clear or read it are written.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a value deliberately unused (a destructured field left out, a callback's slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests read reports and peers' answers as loosely typed JSON.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
