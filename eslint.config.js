import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nativeModules = ['better-sqlite3-multiple-ciphers', '@napi-rs/keyring', '@napi-rs/keyring/*'];
/** The HQ package (packages/hq): a separate server the till never bundles or ships. */
const hqPackage = ['**/packages/hq/**', '@loyalty-desk/hq', '@loyalty-desk/hq/*'];

/** One rule per process boundary; the message says which boundary was crossed and why it exists. */
function restrict(message, { paths = [], patterns = [] }) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map((name) => ({ name, message })),
        patterns: patterns.map((group) => ({ group: [group], message })),
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      '**/dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'artifacts/**',
      '.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', '*.config.*', 'tests/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests and the bench index fixed arrays: a failed `!` there is a failed run, not a production crash.
    files: ['tests/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['src/shared/**'],
    languageOptions: { globals: {} },
    rules: {
      ...restrict('src/shared is pure TypeScript: no Node, DOM, Electron or React (DESIGN §2).', {
        paths: ['electron', 'react', 'react-dom', ...nodeBuiltins, ...nativeModules],
        patterns: ['**/main/**', '**/renderer/**', '**/preload/**', '**/harness/**', ...hqPackage],
      }),
      'no-restricted-globals': [
        'error',
        'window',
        'document',
        'navigator',
        'localStorage',
        'process',
        'Buffer',
        'require',
        '__dirname',
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict('The renderer talks only to window.loyalty: never to main, Node or Electron (DESIGN §2).', {
        paths: ['electron', ...nodeBuiltins, ...nativeModules],
        patterns: ['**/main/**', '**/preload/**', '**/harness/**', ...hqPackage],
      }),
      'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer'],
    },
  },
  {
    files: ['src/preload/**'],
    rules: restrict('The preload only bridges named IPC functions: no Node, no main-process code (DESIGN §2).', {
      paths: [...nodeBuiltins, ...nativeModules],
      patterns: ['**/main/**', '**/renderer/**', '**/harness/**', ...hqPackage],
    }),
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/electron/**'],
    rules: restrict('Only the thin shell in src/main/electron may import electron; services run in plain Node.', {
      paths: ['electron'],
      patterns: ['**/renderer/**', '**/preload/**', '**/harness/**', ...hqPackage],
    }),
  },
  {
    // A DEFERRED transaction that reads before it writes fails at once (SQLITE_BUSY_SNAPSHOT) when the
    // sync worker's connection commits in between: call a till transaction with .immediate().
    files: ['src/main/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='CallExpression'][callee.callee.property.name='transaction']",
          message: 'Call db.transaction(fn).immediate(): a deferred transaction can fail with SQLITE_BUSY_SNAPSHOT.',
        },
      ],
    },
  },
  {
    files: ['src/main/electron/**'],
    rules: restrict('The Electron shell never imports renderer or harness code.', {
      patterns: ['**/renderer/**', '**/harness/**', ...hqPackage],
    }),
  },
  {
    // Code both Node processes need (node:crypto rules tills and HQ must compute alike): imported by
    // src/main and packages/hq, importing neither.
    files: ['src/node-shared/**'],
    rules: restrict('src/node-shared serves the till and HQ alike: it imports only Node and src/shared.', {
      paths: ['electron'],
      patterns: ['**/main/**', '**/hq/**', '**/renderer/**', '**/preload/**', '**/harness/**', ...hqPackage],
    }),
  },
  {
    files: ['src/harness/**'],
    rules: restrict('The harness stands in for Electron: it must not import it.', {
      paths: ['electron'],
      patterns: ['**/renderer/**', '**/electron/**', ...hqPackage],
    }),
  },
  {
    files: ['packages/hq/**'],
    rules: restrict(
      'HQ is a separate package: from the till it may import only src/shared and src/node-shared, never main, UI, harness, Electron, test or bench code.',
      {
        paths: ['electron', ...nativeModules],
        patterns: [
          '**/main/**',
          '**/renderer/**',
          '**/preload/**',
          '**/harness/**',
          '**/tests/**',
          '**/bench/**',
          '**/scripts/**',
        ],
      },
    ),
  },
  {
    // The HQ console runs in the operator's browser: it knows HQ only through the console API's
    // contract (and the pure role table and privacy rules), never HQ's server modules, Node or the
    // till. src/shared is pure by its own rule, so the console may use it (the export document).
    files: ['packages/hq/console/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, 'electron', ...nativeModules].map((name) => ({
            name,
            message: 'The HQ console runs in a browser: no Node, Electron or native modules.',
          })),
          patterns: [
            {
              regex:
                '(^|/)src/(?!console/contract$|operators/roles$|privacy/audience-purposes$|privacy/policy-schema$|shared/)',
              message:
                'The HQ console reaches HQ only through console/contract.ts (and operators/roles.ts and the pure privacy rules), never server code.',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**', '**/harness/**', '**/tests/**', '**/bench/**'],
              message: "The HQ console is HQ's own app: it imports nothing from the till, tests or benches.",
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer'],
    },
  },
  {
    files: ['src/harness/bridge/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
