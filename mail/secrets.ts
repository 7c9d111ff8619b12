import { randomBytes } from 'node:crypto';
import { seal, unseal } from '../security/sealing.ts';

/**
 * A queued email that delivers a secret (an activation link…) stores its bodies with an unguessable marker in
 * place of each secret, and the secrets themselves sealed beside them. The marker carries a per-email nonce,
 * so text typed by someone else into the email (a name) can never be taken for a marker.
 */
interface SealedPayload {
  nonce: string;
  values: Record<string, string>;
}

export interface PreparedSecrets {
  markers: Record<string, string>;
  sealed: string;
}

const markerFor = (nonce: string, name: string) => `[[secret:${nonce}:${name}]]`;

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export function prepareSecrets(
  key: Buffer,
  values: Record<string, string>,
  boundTo: string,
): PreparedSecrets {
  const nonce = randomBytes(12).toString('base64url');
  const markers = Object.fromEntries(Object.keys(values).map((name) => [name, markerFor(nonce, name)]));
  const payload: SealedPayload = { nonce, values };
  return { markers, sealed: seal(key, JSON.stringify(payload), boundTo) };
}

export interface EmailBodies {
  subject: string;
  text: string;
  html: string;
}

/**
 * Puts the secrets back into the bodies, for delivery or for the development mailbox. Without sealed secrets
 * (never had any, or wiped after delivery) the bodies are returned as stored.
 */
export function revealSecrets(
  key: Buffer,
  bodies: EmailBodies,
  sealed: string | null,
  boundTo: string,
): EmailBodies {
  if (sealed === null) return bodies;
  const opened = unseal(key, sealed, boundTo);
  if (opened === undefined) throw new Error('sealed email secrets cannot be opened: APP_SECRET changed?');
  const { nonce, values } = JSON.parse(opened) as SealedPayload;
  const fill = (body: string, encode: (value: string) => string) =>
    Object.entries(values).reduce(
      (out, [name, value]) => out.replaceAll(markerFor(nonce, name), encode(value)),
      body,
    );
  return {
    subject: fill(bodies.subject, (value) => value),
    text: fill(bodies.text, (value) => value),
    html: fill(bodies.html, escapeHtml),
  };
}
