import { hkdfSync } from 'node:crypto';

/**
 * Every key the platform uses is derived from APP_SECRET for one purpose, so a key leaked from one use
 * (session cookies, say) does not open another (sealed secrets).
 */
export type KeyPurpose =
  | 'session-cookie'
  | 'sealed-secrets'
  // Tokens waiting to be revealed, and the short-lived download ids of technical-account PDFs.
  | 'sealed-tokens'
  | 'credential-downloads'
  // The client secret of the demo provider API, the same at every start outside production.
  | 'demo-provider';

export function deriveKey(appSecret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, 'sesame', `sesame:${purpose}:v1`, 32));
}

export interface Keys {
  sessionCookie: string;
  sealedSecrets: Buffer;
  sealedTokens: Buffer;
  credentialDownloads: Buffer;
  demoProvider: Buffer;
}

export function deriveKeys(appSecret: string): Keys {
  return {
    sessionCookie: deriveKey(appSecret, 'session-cookie').toString('base64url'),
    sealedSecrets: deriveKey(appSecret, 'sealed-secrets'),
    sealedTokens: deriveKey(appSecret, 'sealed-tokens'),
    credentialDownloads: deriveKey(appSecret, 'credential-downloads'),
    demoProvider: deriveKey(appSecret, 'demo-provider'),
  };
}
