import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One vitest run covers unit, workflow (time-skipping), integration (real Temporal dev server +
// embedded Postgres), API and browser tests. The global setup starts the shared services once.
export default defineConfig({
  // The dashboard's service modules import SvelteKit's `$app/paths`; tests that read their schemas get a stand-in.
  resolve: { alias: { '$app/paths': fileURLToPath(new URL('./test/support/sveltekit-app-paths.ts', import.meta.url)) } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'web/**', 'dist/**', '.tools/**', '.data/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // A bound for a hung test, not a speed target: integration tests wait on workers and browsers.
    testTimeout: 120_000,
    // Browser and workflow assertions poll for an outcome; on two shared cores the first page load or
    // worker start can take seconds, so the default one-second poll is too tight to be honest.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    hookTimeout: 180_000,
    // Two cores: files run in parallel across two forks; Temporal workers are CPU-heavy.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
