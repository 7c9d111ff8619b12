/**
 * Whether bytes are a PDF document, whatever the file is called: the header every PDF starts with (readers
 * accept it within the first kilobyte) and the end-of-file marker in the last kilobyte.
 */
export function looksLikePdf(content: Uint8Array): boolean {
  if (content.length < 16) return false;
  const head = Buffer.from(content.subarray(0, 1024)).toString('latin1');
  const tail = Buffer.from(content.subarray(Math.max(0, content.length - 1024))).toString('latin1');
  return /%PDF-\d\.\d/.test(head) && tail.includes('%%EOF');
}
