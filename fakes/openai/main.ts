// CLI for the dev run command: `tsx fakes/openai/main.ts`. Point the app at it with
// OPENAI_BASE_URL=<printed url> and any non-empty OPENAI_API_KEY.
import { startFakeOpenAI } from './server.js';

const port = Number(process.env.FAKE_OPENAI_PORT ?? 4020);
const host = process.env.FAKE_OPENAI_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`FAKE_OPENAI_PORT must be a port number, got ${process.env.FAKE_OPENAI_PORT}`);
  process.exit(2);
}

const fake = await startFakeOpenAI({ port, host, log: (line) => console.log(`[fake-openai] ${line}`) });
console.log(`[fake-openai] listening on ${fake.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
