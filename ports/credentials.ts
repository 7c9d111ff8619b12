import type { CredentialSettings } from '../domain/credential-settings.ts';
import type { DefinitionCatalog } from '../domain/definitions.ts';

/** Starts and wakes the lifecycle workflows of credentials (runtime/credential-lifecycles.ts). */
export interface CredentialLifecycles {
  /** Starts the lifecycle of a new token; nothing happens if it runs already. */
  startToken(tokenId: string): Promise<void>;
  /** Tells a token's lifecycle that its facts changed (renewed, revoked, replaced), starting it again if it ended. */
  notifyToken(tokenId: string): Promise<void>;
  startTechnicalAccount(accountId: string): Promise<void>;
  notifyTechnicalAccount(accountId: string): Promise<void>;
}

/** What issuing and managing credentials needs, built once per process by runtime/services.ts. */
export interface CredentialDeps {
  settings: CredentialSettings;
  definitions: DefinitionCatalog;
  /** Seals tokens waiting to be revealed (a key of its own, derived from APP_SECRET). */
  tokenSealingKey: Buffer;
  /** Seals the short-lived download ids of technical-account connection PDFs. */
  downloadKey: Buffer;
  lifecycles: CredentialLifecycles;
}
