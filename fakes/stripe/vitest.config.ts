import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Fast iteration on the Stripe stand-in alone: no global setup (the root config starts Postgres and
// Temporal for the whole suite, which these tests do not need). The root config runs them too.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Keep Vite's cache with the repo's other caches, not in a node_modules/ under fakes/stripe.
  cacheDir: fileURLToPath(new URL('../../node_modules/.vite/fake-stripe', import.meta.url)),
  test: {
    include: ['**/*.test.ts'],
    testTimeout: 20_000,
  },
});
