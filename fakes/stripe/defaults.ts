/** Fixed, obviously fake credentials so local runs of the fake need no configuration. */
export const DEFAULT_FAKE_STRIPE_SECRET_KEY = 'sk_test_local_fake_stripe_0000000000000000';
export const DEFAULT_FAKE_STRIPE_WEBHOOK_SECRET = 'whsec_local_fake_stripe_0000000000000000';
export const DEFAULT_FAKE_STRIPE_PORT = 4030;
