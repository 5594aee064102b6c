// A picture a customer sent, downloaded from Twilio so the model can look at it. Twilio's media URLs sit
// behind HTTP auth (the tenant's own API key), so the model cannot fetch them itself: WARA downloads the
// bytes and hands them over as a `data:` URL. The URL comes from a signed webhook, but it is still checked:
// credentials are only ever sent to Twilio's API host (or the configured stand-in), for the tenant's own
// subaccount, and only images of a bounded size are read.
import type { TenantCredentials } from '../crypto/tenant-credentials.js';
import type { PrismaClient } from '../db/client.js';

export interface PictureLoaderDeps {
  prisma: PrismaClient;
  credentials: TenantCredentials | null;
  /** Where media may be fetched from: Twilio's API host, plus the stand-in's origin in dev and tests. */
  allowedOrigins: readonly string[];
  /** Larger pictures are not shown to the model (it only gets told a picture was sent). */
  maxBytes?: number;
  timeoutMs?: number;
}

export const TWILIO_API_ORIGIN = 'https://api.twilio.com';
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

export function createPictureLoader(deps: PictureLoaderDeps) {
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
  const origins = new Set(deps.allowedOrigins.map((o) => new URL(o).origin));

  return async function loadPicture(tenantId: string, media: { url: string; contentType: string | null }): Promise<string | null> {
    if (!deps.credentials) return null;
    let url: URL;
    try {
      url = new URL(media.url);
    } catch {
      return null;
    }
    const account = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/MM[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/.exec(url.pathname)?.[1];
    if (!origins.has(url.origin) || !account) return null;
    const connection = await deps.prisma.integrationAccount.findFirst({
      where: { tenantId, subaccountSid: account },
      select: { id: true },
    });
    if (!connection) return null;
    const key = await deps.credentials.loadApiKey({ tenantId, accountId: connection.id });
    if (!key) return null;

    const response = await fetch(url, {
      headers: { authorization: `Basic ${Buffer.from(`${key.sid}:${key.secret}`).toString('base64')}` },
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      // Twilio answers with a redirect to its media CDN; fetch drops the credentials on a cross-origin hop.
      redirect: 'follow',
    });
    const type = (response.headers.get('content-type') ?? media.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!response.ok || !IMAGE_TYPES.has(type) || Number(response.headers.get('content-length') ?? 0) > maxBytes) {
      await response.body?.cancel();
      return null;
    }
    const bytes = await readAtMost(response, maxBytes);
    return bytes && `data:${type};base64,${bytes.toString('base64')}`;
  };
}

/** The body, or null when it turns out larger than `maxBytes` (a missing or wrong content-length). */
async function readAtMost(response: Response, maxBytes: number): Promise<Buffer | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
