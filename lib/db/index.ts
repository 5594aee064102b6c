export { createPrismaClient, Prisma, PrismaClient, type PrismaClientOptions } from './client.js';
export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from './embedded-postgres.js';
