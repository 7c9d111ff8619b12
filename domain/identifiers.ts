import { z } from 'zod';

/**
 * An identifier (UUID) as it comes in an address, made canonical: lower case. Postgres compares UUIDs whatever
 * their case, but workflow ids, cache keys and links are strings — an upper-case id found by the database
 * would name another workflow. Every path id is parsed here, by the API's params and by the pages.
 */
export const idSchema = z.uuid().overwrite((id) => id.toLowerCase());

/** The canonical form of an identifier, or undefined when the text is not one. */
export function canonicalId(text: string): string | undefined {
  const parsed = idSchema.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}
