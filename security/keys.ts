import { hkdfSync } from 'node:crypto';

/**
 * Every key the platform uses is derived from APP_SECRET for one purpose, so a key leaked from one use
 * (session cookies, say) does not open another (sealed secrets).
 */
export type KeyPurpose = 'session-cookie' | 'sealed-secrets';

export function deriveKey(appSecret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, 'sesame', `sesame:${purpose}:v1`, 32));
}

export interface Keys {
  sessionCookie: string;
  sealedSecrets: Buffer;
}

export function deriveKeys(appSecret: string): Keys {
  return {
    sessionCookie: deriveKey(appSecret, 'session-cookie').toString('base64url'),
    sealedSecrets: deriveKey(appSecret, 'sealed-secrets'),
  };
}
