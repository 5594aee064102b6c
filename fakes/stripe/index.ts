// Public surface of the local Stripe stand-in.
export { startFakeStripe, buildFakeStripeApp, type FakeStripe, type FakeStripeOptions } from './server.js';
export { FakeStripeControl, FakeStripeControlError } from './control-client.js';
export { FakeStripeState, FakeClock } from './state.js';
export { startStripeMock, type StripeMock } from './stripe-mock.js';
export { startStripeWebhookReceiver, stripeClientFor, type StripeWebhookReceiver, type ReceivedWebhook } from './testing.js';
export { STRIPE_CONTRACT_CALLS, type StripeContractCall } from './contract-calls.js';
export type * from './types.js';
export * from './defaults.js';
