import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflows are replayed deterministically inside Temporal's sandbox: anything that touches the
// outside world (Node built-ins, databases, HTTP, mail, Temporal's client or worker) belongs in an activity.
const workflowForbiddenImports = {
  paths: [
    'pg',
    'express',
    'nodemailer',
    'pino',
    'argon2',
    'handlebars',
    '@temporalio/client',
    '@temporalio/worker',
    '@temporalio/activity',
    '@temporalio/testing',
    '@electric-sql/pglite',
    '@electric-sql/pglite-socket',
  ].map((name) => ({ name, message: 'Workflows must stay deterministic: do this in an activity.' })),
  patterns: [
    {
      regex:
        '^(node:.*|fs|fs/promises|path|os|crypto|http|https|net|tls|dns|child_process|worker_threads|timers|process|events|stream|url|util|zlib)$',
      message: 'Node built-ins are not available to deterministic workflow code: use an activity.',
    },
    {
      regex: '^\\.\\./(store|activities|api|web|http|app|mail|runtime)(/.*)?$',
      allowTypeImports: true,
      message: 'Workflows import only @temporalio/workflow, domain/ and activity types.',
    },
  ],
};

// The other layers (docs/architecture.md): dependencies point one way, and the linter holds them there.
const layer = (message, regex, allowTypeImports = false) => ({ regex, message, allowTypeImports });
const edgeForbiddenImports = {
  patterns: [
    layer(
      'Pages and routes reach the database through app/: a store function here skips its access check.',
      '^\\.\\./(\\.\\./)?(store|activities|workflows)(/.*)?$',
      true,
    ),
  ],
};
const mailForbiddenImports = {
  patterns: [
    layer(
      'mail/ does not know how emails are delivered: it receives ports/email-deliveries.ts from runtime/.',
      '^\\.\\./(workflows|activities|app|api|web|runtime)(/.*)?$',
    ),
  ],
};
const domainForbiddenImports = {
  patterns: [
    layer('domain/ is pure: it imports only domain/ (and zod).', '^\\.\\./.*$'),
    {
      regex: '^(node:.*|pg|express|@temporalio/.*|nodemailer|pino)$',
      message: 'domain/ is pure: no I/O, no framework.',
    },
  ],
};
const portsForbiddenImports = {
  patterns: [
    layer('ports/ holds interfaces only: type imports of domain/.', '^\\.\\./(?!domain/).*$'),
    layer('ports/ holds interfaces only: type imports of domain/.', '^\\.\\./domain/.*$', true),
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'web/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test registers suites and tests synchronously; their returned promises are the runner's business.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', workflowForbiddenImports],
    },
  },
  {
    files: ['api/**/*.ts', 'web/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', edgeForbiddenImports] },
  },
  {
    files: ['mail/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', mailForbiddenImports] },
  },
  {
    files: ['domain/**/*.ts'],
    ignores: ['domain/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', domainForbiddenImports] },
  },
  {
    files: ['ports/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', portsForbiddenImports] },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
