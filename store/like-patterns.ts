/** `%text%` for ILIKE, with the pattern's own characters (`\`, `%`, `_`) escaped: what a person typed, found anywhere. */
export const containing = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
