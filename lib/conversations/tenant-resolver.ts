// Which tenant a Twilio webhook belongs to, and the secret its signature must verify with. Twilio puts
// the subaccount's AccountSid, the MessagingServiceSid and the To number in every webhook; each is an
// IntegrationIdentifier owned by exactly one account. The subaccount auth token is decrypted here, in the
// API process, and never leaves it.
import type { TenantCredentials } from '../crypto/tenant-credentials.js';
import type { PrismaClient } from '../db/client.js';
import { parseTwilioAddress } from './addresses.js';
import { TtlCache } from './ttl-cache.js';

export interface WebhookTenant {
  tenantId: string;
  accountId: string;
  authToken: string;
}

export interface WebhookAddressing {
  AccountSid?: string | undefined;
  MessagingServiceSid?: string | undefined;
  To?: string | undefined;
}

const TTL_MS = 60_000;
/** Unknown senders are remembered briefly so a flood of forged webhooks does not become a flood of queries. */
const NEGATIVE_TTL_MS = 5_000;

export function createTenantResolver(prisma: PrismaClient, credentials: TenantCredentials | null) {
  const cache = new TtlCache<string, WebhookTenant | null>(TTL_MS);

  const lookup = async (params: WebhookAddressing): Promise<WebhookTenant | null> => {
    const keys: Array<{ kind: 'account_sid' | 'messaging_service_sid' | 'whatsapp_number' | 'phone_number'; value: string }> = [];
    if (params.AccountSid) keys.push({ kind: 'account_sid', value: params.AccountSid });
    if (params.MessagingServiceSid) keys.push({ kind: 'messaging_service_sid', value: params.MessagingServiceSid });
    const to = params.To ? parseTwilioAddress(params.To) : null;
    if (to) keys.push({ kind: to.channel === 'whatsapp' ? 'whatsapp_number' : 'phone_number', value: to.e164 });
    if (keys.length === 0) return null;
    const found = await prisma.integrationIdentifier.findMany({ where: { OR: keys }, select: { tenantId: true, accountId: true } });
    const accounts = new Set(found.map((f) => f.accountId));
    // Identifiers that point at two different accounts mean something is misrouted: trust none of them.
    if (accounts.size !== 1 || !credentials) return null;
    const { tenantId, accountId } = found[0]!;
    const authToken = await credentials.loadAuthToken({ tenantId, accountId });
    return authToken ? { tenantId, accountId, authToken } : null;
  };

  return {
    /** `fresh` skips the cache: used once after a signature mismatch, in case the token was just rotated. */
    async resolve(params: WebhookAddressing, fresh = false): Promise<WebhookTenant | null> {
      const key = `${params.AccountSid ?? ''}|${params.MessagingServiceSid ?? ''}|${params.To ?? ''}`;
      if (!fresh) {
        const cached = cache.get(key);
        if (cached !== undefined) return cached;
      }
      const tenant = await lookup(params);
      cache.set(key, tenant, tenant ? TTL_MS : NEGATIVE_TTL_MS);
      return tenant;
    },
  };
}

export type TenantResolver = ReturnType<typeof createTenantResolver>;
