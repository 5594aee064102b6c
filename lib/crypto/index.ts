export { KEY_BYTES, KeyringError, formatKey, parseKeyring, type Keyring } from './keyring.js';
export {
  SecretDecryptionError,
  createSecretBox,
  type EncryptedValue,
  type SecretBox,
  type SecretContext,
} from './secret-box.js';
export {
  SECRET_NAMES,
  createTenantCredentials,
  tenantCredentialsFromKeys,
  type AccountRef,
  type SecretName,
  type TenantCredentials,
} from './tenant-credentials.js';
