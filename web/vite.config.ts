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
      // Content-Security-Policy of every page. Kit adds a nonce (hashes for prerendered pages) for the
      // inline script it writes itself, so no other inline script runs. Everything the dashboard loads
      // comes from this origin (API calls go through the /api proxy); Twilio's sign-up page opens in a
      // popup (window.open, not governed by CSP) and no form posts elsewhere. The other security headers
      // (X-Frame-Options, nosniff, Referrer-Policy, Permissions-Policy, HSTS) are set in hooks.server.ts.
      // In `vite dev` Kit also allows inline <style> elements, which is how Vite injects CSS there.
      csp: {
        mode: 'auto',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          'style-src': ['self'],
          // Style *attributes* only: app.html's `<div style="display: contents">` and what `style:` writes
          // during server rendering (progress bars, spinner sizes). Inline <style> elements stay blocked.
          'style-src-attr': ['unsafe-inline'],
          'img-src': ['self', 'data:'],
          'font-src': ['self'],
          'connect-src': ['self'],
          'object-src': ['none'],
          'frame-ancestors': ['none'],
          'base-uri': ['self'],
          'form-action': ['self'],
        },
      },
    }),
  ],
});
