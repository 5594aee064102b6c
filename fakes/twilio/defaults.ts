/** Fixed, obviously fake master credentials so local runs of the fake need no configuration. */
export const DEFAULT_FAKE_ACCOUNT_SID = 'ACfa4e0000000000000000000000000001';
export const DEFAULT_FAKE_AUTH_TOKEN = 'fa4e70c3e5f00000000000000000a11d';
export const DEFAULT_FAKE_TWILIO_PORT = 4010;
