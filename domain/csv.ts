/**
 * CSV files for French spreadsheets. Excel and LibreOffice in a French locale expect `;` between fields (the
 * comma is the decimal separator) and recognise UTF-8 only when the file starts with a byte-order mark; lines
 * end with CRLF as RFC 4180 says. A field is quoted when it holds the separator, a quote or a line break
 * (quotes doubled inside).
 *
 * Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return) are prefixed with an apostrophe: names and emails come from users, and a file opened by an
 * administrator must not execute what a member typed (OWASP "CSV injection").
 */
export const CSV_SEPARATOR = ';';
export const CSV_BOM = '\uFEFF';
export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[";\r\n]|^\s|\s$/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: BOM, header line, one line per row. */
export function encodeCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(CSV_SEPARATOR));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
