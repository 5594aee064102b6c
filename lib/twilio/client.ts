// The official twilio client, optionally pointed at another base URL (the local fake Twilio).
//
// twilio-node has no base-URL option: every resource builds https://<product>.twilio.com/<path>
// (api, messaging, ...) and hands it to the client's RequestClient. A RequestClient subclass passed
// as `httpClient` rewrites those absolute URIs to `${baseUrl}/<path>?<query>` — which also covers the
// absolute next_page_url values Twilio returns for paging. Without baseUrl this is the plain SDK.
import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient.js';
import type * as SdkResponseModule from 'twilio/lib/http/response.js';

type SdkResponse<T> = SdkResponseModule.default<T>;

export type TwilioClient = twilio.Twilio;

export type TwilioCredentials =
  | { accountSid: string; authToken: string }
  /** API key auth: requests are made as `apiKey:apiSecret` on behalf of `accountSid`. */
  | { accountSid: string; apiKey: string; apiSecret: string };

export type CreateTwilioClientOptions = TwilioCredentials & {
  /** e.g. `http://127.0.0.1:4010`; unset means the real Twilio. A path prefix is kept. */
  baseUrl?: string;
  /** Per-request timeout in ms (SDK default 30 s). */
  timeoutMs?: number;
  /** Let the SDK retry 429 answers with backoff (off by default, as in the SDK). */
  autoRetry?: boolean;
  maxRetries?: number;
  /** Connections kept open to Twilio (the SDK's default is 20: a ceiling on requests in flight at once). */
  maxSockets?: number;
};

/** True for twilio.com and every *.twilio.com host (api, messaging, edge/region variants...). */
function isTwilioHost(hostname: string): boolean {
  return hostname === 'twilio.com' || hostname.endsWith('.twilio.com');
}

/** Rewrite a Twilio API URL onto `baseUrl`, keeping its path and query; other URLs pass unchanged. */
export function rewriteTwilioUrl(uri: string, baseUrl: string): string {
  const original = new URL(uri);
  if (!isTwilioHost(original.hostname)) return uri;
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

/** A RequestClient that sends every Twilio API call to `baseUrl` instead of *.twilio.com. */
export class BaseUrlRequestClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string,
    opts?: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
    // Validate once, up front, rather than on the first request.
    new URL(baseUrl);
  }

  override request<TData>(opts: SdkRequestClient.RequestOptions<TData>): Promise<SdkResponse<TData>> {
    return super.request({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.baseUrl) });
  }
}

export function createTwilioClient(options: CreateTwilioClientOptions): TwilioClient {
  const clientOpts: twilio.ClientOpts = {
    accountSid: options.accountSid,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    ...(options.autoRetry !== undefined ? { autoRetry: options.autoRetry } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
  };
  if (options.baseUrl) {
    clientOpts.httpClient = new BaseUrlRequestClient(options.baseUrl, {
      ...(options.maxSockets !== undefined ? { maxSockets: options.maxSockets } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      ...(options.autoRetry !== undefined ? { autoRetry: options.autoRetry } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    });
  }
  if ('apiKey' in options) return twilio(options.apiKey, options.apiSecret, clientOpts);
  return twilio(options.accountSid, options.authToken, clientOpts);
}
