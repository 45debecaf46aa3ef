// Lint is part of `npm test`: typed rules catch floating promises, which in a key service means
// an unawaited vault or store call whose failure would go unseen.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', 'web/dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration only in src/main/config.ts.' },
      ],
    },
  },

  {
    // The layers of ARCHITECTURE.md: dependencies point down only, and nothing imports in a circle.
    files: ['src/**/*.ts'],
    // Unit tests beside the code may build their subject on real adapters.
    ignores: ['src/**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/domain', from: './src', except: ['./domain'], message: 'domain/ is pure: it imports only domain/.' },
            { target: './src/ports', from: './src', except: ['./ports', './domain'], message: 'ports/ declare shapes over domain/ only.' },
            {
              target: './src/crypto',
              from: './src',
              except: ['./crypto', './domain', './ports'],
              message: 'crypto/ imports no adapter, use case or edge.',
            },
            {
              target: './src/jobs',
              from: './src',
              except: ['./jobs', './domain', './ports'],
              message: 'jobs/ runs work; it does not know the use cases (main/ wires them).',
            },
            {
              target: './src/adapters',
              from: './src',
              except: ['./adapters', './domain', './crypto', './ports'],
              message: 'adapters/ implement ports; they do not call use cases or edges.',
            },
            {
              target: './src/app',
              from: './src',
              except: ['./app', './domain', './crypto', './ports', './jobs'],
              message: 'app/ reaches adapters only through ports.',
            },
            {
              target: './src/http',
              from: './src',
              except: ['./http', './app', './domain', './ports', './crypto'],
              message: 'http/ calls use cases; adapters are wired in main/.',
            },
            {
              target: './src/cli',
              from: './src',
              except: ['./cli', './domain', './crypto', './api'],
              message: 'cli/ talks to the server over HTTP only (and opens key files on the admin’s machine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/config.ts', 'src/cli/cli-config.ts', 'test/**', 'bench/**', '**/*.test.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['test/**', '**/*.test.ts', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // JSON answers of the API under test are untyped on purpose: the tests check their shape.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The admin center keeps its bearer token for the tab's session only (sessionStorage).
    files: ['web/src/**'],
    rules: {
      'no-restricted-globals': ['error', { name: 'localStorage', message: 'Tokens and session state live in sessionStorage only.' }],
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'localStorage', message: 'Tokens and session state live in sessionStorage only.' },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
