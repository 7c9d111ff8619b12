import { z } from 'zod';

// Control characters (Unicode Cc: U+0000–U+001F, U+007F–U+009F) are invisible on screen, break emails and CSV
// exports, and Postgres refuses U+0000 in text and jsonb outright. Multi-line texts keep tab and line breaks.
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;

export const CONTROL_CHARACTER_MESSAGE =
  'Ce champ contient un caractère de contrôle invisible (par exemple un caractère nul) : retirez-le.';

/** Whether a text holds a control character that no field accepts (line breaks allowed when `multiline`). */
export function hasControlCharacter(value: string, options: { multiline?: boolean } = {}): boolean {
  return (options.multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value);
}

/**
 * The start of every schema of text a person types: a string without control characters. Callers chain
 * their own trim, lengths and messages; `required` is the message when the value is missing or not a string.
 */
export function textInput(options: { required?: string; multiline?: boolean } = {}): z.ZodString {
  return z
    .string(options.required === undefined ? undefined : { error: options.required })
    .refine((value) => !hasControlCharacter(value, options), CONTROL_CHARACTER_MESSAGE);
}
