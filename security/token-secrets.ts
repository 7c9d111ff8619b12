import { hash, randomBytes, randomUUID } from 'node:crypto';
import { formatToken, tokenBodyFromRandom, visiblePart } from '../domain/token-format.ts';
import { seal, unseal } from './sealing.ts';

/**
 * A new bearer token: its secret exists in clear only here, inside the activity or command that makes it, and
 * leaves sealed (for the one reveal) and hashed (for introspection). The id is chosen here so that the sealed
 * copy can be bound to its row.
 */
export interface MintedToken {
  id: string;
  visiblePart: string;
  secretHash: string;
  sealedSecret: string;
}

export function mintToken(sealingKey: Buffer): MintedToken {
  let body: string | undefined;
  while (body === undefined) body = tokenBodyFromRandom(randomBytes(64));
  const token = formatToken(body);
  const id = randomUUID();
  return {
    id,
    visiblePart: visiblePart(token),
    secretHash: hashSecret(token),
    sealedSecret: seal(sealingKey, token, tokenSealBinding(id)),
  };
}

/** SHA-256 in hex: enough for secrets with at least 128 random bits, which no dictionary can guess. */
export function hashSecret(secret: string): string {
  // One-shot: introspection hashes every token it is asked about.
  return hash('sha256', secret, 'hex');
}

const tokenSealBinding = (tokenId: string) => `token:${tokenId}`;

export function unsealToken(sealingKey: Buffer, sealed: string, tokenId: string): string | undefined {
  return unseal(sealingKey, sealed, tokenSealBinding(tokenId));
}

/** A random secret of `bytes` bytes, base64url (technical-account passwords, provider client secrets). */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
