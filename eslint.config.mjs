// ESLint flat config. Import boundaries between folders (and cycles) are checked by
// dependency-cruiser (.dependency-cruiser.cjs), not here: `npm run lint` runs both.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'models/**',
      'out/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      '.cache/**',
      'renderer/public/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // eslint-plugin-svelte's rule set carries no `files`: keep it to the renderer.
  ...svelte.configs.recommended.map((c) => (c.files ? c : { ...c, files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'] })),
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['app/**/*.ts', 'main/**/*.ts', 'test/**/*.ts', '*.mts', '*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Type-aware rules (floating promises, unsafe any, ...) on the shipped engine and main process
    // only: one TypeScript program (tsconfig.json). test/ and the renderer get the syntactic set, as
    // type-aware linting of all three projects takes over 100 s on two cores; tsc and svelte-check
    // type-check them.
    files: ['app/**/*.ts', 'main/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser },
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: globals.browser },
    rules: {
      // Also in .dependency-cruiser.cjs (layer-renderer); repeated here because dependency-cruiser
      // reads a .svelte file after the TypeScript in it is compiled away, so it misses
      // `import type` there.
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\./){2,}(app/(?!contract/)|main/)',
          message: 'renderer/ may import only app/contract of app/ (layer-renderer in .dependency-cruiser.cjs).',
        }],
      }],
    },
  },
  {
    // SQL lives in app/store's repositories only (docs/architecture.md): elsewhere a prepared
    // statement, a pragma or a db.exec() is an error. (Transactions may be opened anywhere.)
    files: ['app/**/*.ts', 'main/**/*.ts'],
    ignores: ['app/store/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.property.name='prepare']", message: 'SQL belongs in an app/store repository.' },
        { selector: "CallExpression[callee.property.name='pragma']", message: 'SQL belongs in an app/store repository.' },
        { selector: "CallExpression[callee.property.name='exec'][callee.object.name='db']", message: 'SQL belongs in an app/store repository.' },
        { selector: "CallExpression[callee.property.name='exec'][callee.object.property.name='db']", message: 'SQL belongs in an app/store repository.' },
      ],
    },
  },
  {
    // A command's run() implements CliCommand (Promise<number>) and is async even where it awaits
    // nothing, so that a UsageError thrown in it is a rejection, which cli/main.ts awaits.
    files: ['app/cli/commands/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Plain CommonJS scripts (bin/, scripts/, build/, a test helper): no type information.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
