/**
 * Everything a workflow history holds, as text: payloads are bytes (JSON-encoded by the SDK), so a search on
 * `JSON.stringify(history)` alone would only see arrays of numbers and find nothing, whatever they carry.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    return value;
  });
}
