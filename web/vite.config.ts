import path from 'node:path';
import { defineConfig } from 'vite';
import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';

// SvelteKit 3 takes its configuration here (svelte.config.js is no longer read).
// `root` is pinned to this folder so the app behaves the same whether Vite is started from
// `web/` or from the repository root with `--config web/vite.config.ts`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [
    sveltekit({
      // Absolute: adapter-node resolves `out` against the working directory, not `root`.
      adapter: adapter({ out: path.join(import.meta.dirname, 'build') }),
    }),
  ],
});
