export { type ProjectSecrets, projectSecrets, SECRET_NAME, type SecretInfo } from "./project-secrets.ts";
export {
  type EncryptionKey,
  type Keyring,
  keyringFromEnv,
  openSecret,
  parseEncryptionKey,
  SecretError,
  type SecretErrorCode,
  type SecretOwner,
  sealSecret,
} from "./sealed-secret.ts";
