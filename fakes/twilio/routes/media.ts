// Media of a message (`MediaUrl0…` in inbound webhooks): Twilio serves the bytes at the media resource's
// URL, behind HTTP auth when "Enforce HTTP Auth on Media URLs" is on (the fake always asks, as the
// strictest setting does). Every media sid answers the same small PNG: enough for a client to download,
// check the type and hand on, which is all WARA does with a picture.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FakeContext } from '../context.js';
import { accessibleAccount, notFound, parseParams, principalOf, urlPath } from '../http.js';

const mediaParams = z.object({ AccountSid: z.string(), Sid: z.string(), MediaSid: z.string() });

/** A 1×1 transparent PNG. */
export const FAKE_MEDIA_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export function registerMediaRoutes(app: FastifyInstance, { state }: FakeContext): void {
  app.get('/2010-04-01/Accounts/:AccountSid/Messages/:Sid/Media/:MediaSid', async (req, reply) => {
    const { AccountSid, MediaSid } = parseParams(mediaParams, req.params);
    accessibleAccount(state, principalOf(req), AccountSid, urlPath(req));
    if (!/^ME[0-9a-f]{32}$/.test(MediaSid)) throw notFound(urlPath(req));
    return reply.type('image/png').send(FAKE_MEDIA_PNG);
  });
}
