import { defineConfig } from 'prisma/config';
import { createMigrateAdapter, unrefSchemaEngineTimers } from './lib/db/migrate-adapter.js';

// The default matches `npm run dev`'s embedded Postgres. It also lets `prisma generate` (which needs no
// database) run with no env: without a readable schema/config the CLI silently tries to download engines.
const DEFAULT_DATABASE_URL = 'postgresql://postgres:postgres@127.0.0.1:5433/wara';
process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
const databaseUrl = process.env.DATABASE_URL;

// This file is only ever loaded by the Prisma CLI: let it exit as soon as its work is done.
unrefSchemaEngineTimers();

// `engine: "js"` runs the schema engine bundled as Wasm in the prisma package, talking to Postgres
// through a driver adapter: no native engine download (none is reachable from CI or this sandbox).
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // A folder: schema.prisma holds generator, datasource and accounts; models/ one file per domain.
  schema: 'prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () => createMigrateAdapter(databaseUrl),
});
