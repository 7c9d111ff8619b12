import { createHmac, randomBytes } from 'node:crypto';
import { SECRET_PREFIX } from '../domain/webhooks.ts';
import { seal, unseal } from '../security/sealing.ts';

/** `whsec_` + base64 of 32 random bytes, as Standard Webhooks secrets are written. */
function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The `webhook-signature` header: one `v1,<base64 HMAC-SHA256>` per secret (two while a rotated secret
 * overlaps), of `id.timestamp.body` keyed with the secret's decoded bytes.
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
      const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}

/** Binds a sealed secret to its endpoint: a sealed value copied onto another endpoint does not open. */
const binding = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export function sealWebhookSecret(key: Buffer, endpointId: string, secret: string): string {
  return seal(key, secret, binding(endpointId));
}

/** A new secret, and its sealed form to store. */
export function mintWebhookSecret(key: Buffer, endpointId: string): { secret: string; sealed: string } {
  const secret = newWebhookSecret();
  return { secret, sealed: sealWebhookSecret(key, endpointId, secret) };
}

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export function openWebhookSecrets(
  key: Buffer,
  endpoint: {
    id: string;
    sealedSecret: string;
    previousSealedSecret: string | null;
    previousSecretUntil: Date | null;
  },
  now: Date,
): string[] {
  const secrets = [unseal(key, endpoint.sealedSecret, binding(endpoint.id))];
  if (endpoint.previousSealedSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now)
    secrets.push(unseal(key, endpoint.previousSealedSecret, binding(endpoint.id)));
  return secrets.filter((secret): secret is string => secret !== undefined);
}
