import { defineEnvVars } from '@sveltejs/kit/env';
import { z } from 'zod';

// SvelteKit 3 reads environment variables declared here and exposes them through
// `$app/env/private` (server-only). Dynamic (not static): read when the server starts, so one
// build runs against any API.
export const variables = defineEnvVars({
  API_URL: {
    description: 'Base URL of the WARA Fastify API that `/api/*` requests are forwarded to.',
    schema: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
  },
});
