import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The web app (React): the rules of hooks, and the React Compiler's checks of what hooks do.
  { files: ['web/src/**/*.{ts,tsx}'], ...reactHooks.configs.flat.recommended },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // The direction of imports (ARCHITECTURE.md): the help desk's core knows nothing of HTTP,
  // channels or the web app, and the database layer knows nothing of the desk.
  {
    files: ['src/desk/**/*.ts', 'src/rules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '**/channels/**', '**/web/**'],
              message: 'desk and rules never import http, channels or web',
            },
          ],
        },
      ],
    },
  },
  // Small named steps: a desk command, a rule step or an ingest stage that outgrows a screen
  // gets split.
  {
    files: [
      'src/desk/**/*.ts',
      'src/rules/**/*.ts',
      'src/channels/slack/ingest/**/*.ts',
      'src/channels/slack/ingest*.ts',
    ],
    rules: {
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/desk/**', '**/rules/**', '**/http/**', '**/channels/**'],
              message: 'db never imports the layers above it',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/channels/**'],
              message:
                'http never imports a channel: the composition root (server.ts) hands the channels to the app',
            },
          ],
        },
      ],
    },
  },
  // Channels import from http only what any route may share (src/http/shared/); what else
  // they need (sign-in for the install pages) the composition root lends through ChannelHost.
  {
    files: ['src/channels/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // A regex, not a group: a group cannot let a folder back in once its parent is refused.
              regex: '(^|/)http/(?!shared/)',
              message:
                'channels import from http only src/http/shared/; what else they need comes through ChannelHost',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
