import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from './api.js';
import { startWebServer, type WebServer } from './web-server.js';
import { startTestWorker, type TestWorker } from './worker.js';
import { freePort } from '../../scripts/devstack/ports.js';

export interface WebStack {
  /** Origin of the dashboard (`http://127.0.0.1:<port>`), which proxies `/api/*` to the API. */
  webUrl: string;
  /** Origin of the API itself, for calls a browser would not make. */
  apiUrl: string;
  /** The real API (its `prisma`, `deps.temporal`, `app`). */
  api: TestApi;
  worker: TestWorker;
  web: WebServer;
  close(): Promise<void>;
}

/**
 * The whole system for a browser test: the real API on a real port (shared test Postgres and
 * Temporal dev server), a worker running every workflow on a task queue of its own, and the web
 * dev server in front. `name` labels the task queue, so a stuck workflow is easy to trace.
 */
export async function startWebStack(name: string, overrides: Record<string, string> = {}): Promise<WebStack> {
  // The API must know the web origin before it starts (origin check, links in emails), and the
  // web server needs the API's address: reserve the web port first.
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const api = await startTestApi({
    WEB_PUBLIC_URL: webUrl,
    TEMPORAL_TASK_QUEUE: `web-${name}-${randomUUID().slice(0, 8)}`,
    ...overrides,
  });
  let worker: TestWorker | undefined;
  let web: WebServer | undefined;
  try {
    const apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    worker = await startTestWorker(api.deps.env);
    web = await startWebServer({ apiUrl, port: webPort });
    const started = { worker, web };
    return {
      webUrl,
      apiUrl,
      api,
      ...started,
      close: async () => {
        await started.web.close();
        await started.worker.stop();
        await api.close();
      },
    };
  } catch (error) {
    await web?.close();
    await worker?.stop();
    await api.close();
    throw error;
  }
}
