import { createHash, randomUUID } from 'node:crypto';
import { VISIBLE_CODE_SUFFIX } from '../domain/invitation-codes.ts';

/**
 * A new invitation code: a UUID v4 from Node's CSPRNG (122 random bits), its SHA-256 — the only form stored —
 * and the last characters the masked list shows.
 */
export function newInvitationCode(): { code: string; hash: string; lastCharacters: string } {
  const code = randomUUID();
  return { code, hash: hashInvitationCode(code), lastCharacters: code.slice(-VISIBLE_CODE_SUFFIX) };
}

/** The hash a code is looked up by; `code` must already be normalised (lower case, no blanks). */
export function hashInvitationCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}
