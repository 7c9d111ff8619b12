/**
 * The format of Sésame's bearer tokens (spec §5): `sesame_`, a body of 32 base62 characters (190 random bits)
 * and a checksum of 6 base62 characters (the CRC32 of the body). The fixed prefix and the checksum let secret
 * scanners recognise a leaked token with almost no false positive, and let the platform reject a mistyped or
 * truncated token without touching the database. Pure: randomness is given by the caller.
 */
export const TOKEN_PREFIX = 'sesame_';
export const TOKEN_BODY_LENGTH = 32;
export const TOKEN_CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH;
/** How much of a token stays visible after it was revealed: the prefix and the first 6 characters. */
export const TOKEN_VISIBLE_LENGTH = TOKEN_PREFIX.length + 6;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_PATTERN = new RegExp(
  `^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_BODY_LENGTH + TOKEN_CHECKSUM_LENGTH}}$`,
);

/** The largest multiple of 62 below 256: bytes at or above it are dropped, so every character is uniform. */
const UNBIASED_LIMIT = 248;

/**
 * The body drawn from random bytes by rejection sampling, or undefined when the bytes ran out before 32
 * characters (the caller draws more). 48 bytes are enough with overwhelming probability.
 */
export function tokenBodyFromRandom(random: Uint8Array): string | undefined {
  let body = '';
  for (const byte of random) {
    if (byte >= UNBIASED_LIMIT) continue;
    body += ALPHABET[byte % 62];
    if (body.length === TOKEN_BODY_LENGTH) return body;
  }
  return undefined;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, the one of zip and PNG) of an ASCII string. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The checksum of a body: its CRC32 in 6 base62 characters, left-padded with zeros. */
export function tokenChecksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < TOKEN_CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function formatToken(body: string): string {
  return `${TOKEN_PREFIX}${body}${tokenChecksum(body)}`;
}

export type TokenShape = 'valid' | 'malformed' | 'bad_checksum';

/** Whether a string is shaped like a Sésame token with a correct checksum. */
export function checkTokenShape(token: string): TokenShape {
  if (token.length !== TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return 'malformed';
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + TOKEN_BODY_LENGTH);
  return token.endsWith(tokenChecksum(body)) ? 'valid' : 'bad_checksum';
}

/** What stays shown of a token once revealed (never enough to use it). */
export function visiblePart(token: string): string {
  return token.slice(0, TOKEN_VISIBLE_LENGTH);
}
