import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Every module the workflow bundle runs: workflows/ and each file it imports for values (type-only imports
 * vanish at bundling), found by following relative imports from the bundle's entry. The determinism rule
 * below covers all of them, so a helper in lib/ that a workflow imports cannot call Date.now() unnoticed.
 */
function workflowSandboxFiles(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+'(\.[^']+)'/gm)) {
      visit(join(dirname(file), match[1].replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return [...seen].map((file) => relative(import.meta.dirname, file));
}

/** lib/ is the ground floor: shared domain code that imports nothing above it. */
const groundFloor = {
  group: ['**/api/**', '**/worker/**', '**/activities/**', '**/workflows/**', '**/scripts/**', '**/fakes/**', '**/test/**', '**/bench/**'],
  message: 'lib/ imports nothing above it (api, worker, activities, workflows, scripts, fakes, test, bench).',
};
const notInSandbox = { group: ['node:*', 'fs', 'path', 'crypto', 'child_process'], message: 'workflow code runs in a deterministic sandbox' };

const sandboxFiles = workflowSandboxFiles(join(import.meta.dirname, 'workflows/index.ts'));

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'web/.svelte-kit/', 'web/build/', 'test-results/', 'prisma/generated/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `any` needs a reason in a comment next to an eslint-disable line.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['web/**/*.svelte', 'web/**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [groundFloor] }] },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no wall clock, no randomness.
    files: ['workflows/**/*.ts', ...sandboxFiles],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [notInSandbox] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'use uuid4() or deterministic values from the workflow API' },
      ],
    },
  },
  {
    // The lib files a workflow imports keep lib's layering too (a later block replaces a rule's options).
    files: sandboxFiles.filter((file) => file.startsWith('lib/')),
    rules: { 'no-restricted-imports': ['error', { patterns: [notInSandbox, groundFloor] }] },
  },
);
