import { createHash, randomBytes } from 'node:crypto';

/**
 * Tokens of emailed links (activation, password reset): 256 random bits, sent once in the email and stored
 * only as their SHA-256, so that a copy of the database opens nothing.
 */
export function newLinkToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
