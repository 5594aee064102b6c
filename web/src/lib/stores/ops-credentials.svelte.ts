import { ApiError } from '#lib/services/api.ts';
import {
  fetchCredentialsOverview,
  fetchOpsTenants,
  testConfiguredCredentials,
  testTemporaryCredentials,
  testTenantCredentials,
  type CredentialProvider,
  type CredentialResult,
  type CredentialsOverview,
  type OpsTenant,
  type TemporaryCredentials,
} from '#lib/services/ops.ts';

/**
 * State of the credentials page: what is configured, the latest result per provider, a tenant's
 * subaccount test and the typed-in (temporary) test. Temporary credentials are held only by the form
 * and sent once; this store keeps only the outcome.
 */
export class OpsCredentials {
  overview = $state<CredentialsOverview | null>(null);
  /** The latest result per provider (configured credentials). */
  results = $state<Partial<Record<CredentialProvider, CredentialResult>>>({});
  tenantResult = $state<CredentialResult | null>(null);
  temporaryResult = $state<CredentialResult | null>(null);
  tenants = $state<OpsTenant[]>([]);
  /** What is being tested: a provider, `all`, `tenant` or `temporary`. */
  testing = $state<string | null>(null);
  error = $state<string | null>(null);
  temporaryError = $state<string | null>(null);

  async load(): Promise<void> {
    try {
      const [overview, tenants] = await Promise.all([fetchCredentialsOverview(), fetchOpsTenants()]);
      this.overview = overview;
      this.tenants = tenants.filter((t) => t.whatsapp !== null);
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
  }

  async test(providers?: CredentialProvider[]): Promise<void> {
    if (this.testing) return;
    this.testing = providers?.length === 1 ? providers[0]! : 'all';
    try {
      const { results } = await testConfiguredCredentials(providers);
      const next = { ...this.results };
      for (const r of results) next[r.provider] = r;
      this.results = next;
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.testing = null;
    }
  }

  async testTenant(tenantId: string): Promise<void> {
    if (this.testing || !tenantId) return;
    this.testing = 'tenant';
    try {
      this.tenantResult = (await testTenantCredentials(tenantId)).results[0] ?? null;
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.testing = null;
    }
  }

  /** True when the test ran (whatever its outcome): the form then forgets what was typed. */
  async testTemporary(credentials: TemporaryCredentials): Promise<boolean> {
    if (this.testing) return false;
    this.testing = 'temporary';
    this.temporaryResult = null;
    try {
      this.temporaryResult = (await testTemporaryCredentials(credentials)).results[0] ?? null;
      this.temporaryError = null;
      return true;
    } catch (error) {
      this.temporaryError = describe(error);
      return false;
    } finally {
      this.testing = null;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while testing credentials.';
}
