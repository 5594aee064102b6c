import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { freePort } from '../../scripts/devstack/ports.js';

const webConfigFile = path.resolve(import.meta.dirname, '../../web/vite.config.ts');

export interface WebServer {
  /** Origin of the dashboard, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Milliseconds from `createServer` until the first page was served (compile included). */
  startupMs: number;
  close(): Promise<void>;
}

/**
 * Serves the SvelteKit dashboard for tests with Vite's dev server, proxying `/api/*` to `apiUrl`.
 *
 * `API_URL` reaches the app through `process.env`: SvelteKit reads the environment once when the
 * dev server starts, so concurrent servers in one process must not want different API URLs while
 * starting. Each vitest fork is its own process, so in practice that is never a problem.
 */
export async function startWebServer(options: { apiUrl: string; port?: number }): Promise<WebServer> {
  const started = performance.now();
  const port = options.port ?? (await freePort());
  const previousApiUrl = process.env.API_URL;
  process.env.API_URL = options.apiUrl;

  let server: ViteDevServer | undefined;
  try {
    server = await createServer({
      configFile: webConfigFile,
      mode: 'development',
      logLevel: process.env.WEB_SERVER_LOG === '1' ? 'info' : 'warn',
      clearScreen: false,
      // Own optimizer cache: a developer's `vite dev` (HMR on) and the tests (HMR off) would
      // otherwise force each other to re-bundle dependencies, even under a running server.
      cacheDir: path.resolve(import.meta.dirname, '../../web/node_modules/.vite-test'),
      server: {
        host: '127.0.0.1',
        port,
        strictPort: true,
        // Tests never edit files: no watcher, no HMR socket.
        watch: null,
        hmr: false,
      },
    });
    await server.listen();
  } catch (error) {
    await server?.close();
    restoreApiUrl(previousApiUrl);
    throw error;
  }

  const url = `http://127.0.0.1:${port}`;
  // The first request compiles the server side of the app; pay for it here, not in a test.
  await fetch(`${url}/app`).then((response) => response.arrayBuffer());
  const startupMs = Math.round(performance.now() - started);

  const running = server;
  return {
    url,
    startupMs,
    async close() {
      await running.close();
      restoreApiUrl(previousApiUrl);
    },
  };
}

function restoreApiUrl(previous: string | undefined): void {
  if (previous === undefined) delete process.env.API_URL;
  else process.env.API_URL = previous;
}
