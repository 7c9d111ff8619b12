/**
 * Reads a CSV file back the way a spreadsheet does (RFC 4180 quoting, `;` between fields), so that tests check
 * what a person opening the export would see. Returns the BOM's presence and the rows as arrays of cells.
 */
export function parseCsv(text: string, separator = ';'): { bom: boolean; rows: string[][] } {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i]!;
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === separator) {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && body[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += char;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return { bom, rows };
}

/**
 * Downloads a file as a browser saves it: the exact bytes, decoded without dropping the byte-order mark
 * (which `Response.text()` would silently remove).
 */
export async function downloadCsv(
  client: { baseUrl: string; cookie(name: string): string | undefined },
  path: string,
): Promise<{ status: number; headers: Headers; bytes: Uint8Array; text: string }> {
  const session = client.cookie('sesame_session');
  const response = await fetch(new URL(path, client.baseUrl), {
    headers: session ? { cookie: `sesame_session=${session}` } : {},
    redirect: 'manual',
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    text: new TextDecoder('utf-8', { ignoreBOM: true, fatal: true }).decode(bytes),
  };
}
