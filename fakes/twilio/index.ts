// Public surface of the local Twilio stand-in.
export { startFakeTwilio, buildFakeTwilioApp, type FakeTwilio, type FakeTwilioOptions } from './server.js';
export { FakeTwilioControl } from './control-client.js';
export { FakeTwilioState, FakeClock } from './state.js';
export type * from './types.js';
export * from './defaults.js';
export { createTwilioClient, rewriteTwilioUrl, BaseUrlRequestClient, type TwilioClient } from '../../lib/twilio/client.js';
export { SENDER_STATUSES } from './types.js';
export { smsSegments, type SmsSegments } from './segments.js';
