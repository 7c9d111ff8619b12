/**
 * Everything a workflow history holds, as text. Payloads are bytes (JSON-encoded by the SDK): `JSON.stringify`
 * alone shows them encoded — base64, once the history's protobuf messages have turned themselves into JSON, or
 * arrays of numbers — and a search would find nothing, whatever they carry. Here they are decoded.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (original instanceof Uint8Array) return Buffer.from(original).toString('utf8');
    if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
      return Buffer.from((value as { data: number[] }).data).toString('utf8');
    }
    // A payload ({metadata, data}) as protobuf's JSON writes it: its bytes in base64.
    if (key === 'data' && typeof value === 'string' && 'metadata' in this) {
      return Buffer.from(value, 'base64').toString('utf8');
    }
    return value;
  });
}
