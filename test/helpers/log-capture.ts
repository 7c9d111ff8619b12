import { Writable } from 'node:stream';

/** Collects a logger's JSON lines in memory, so tests can assert on what was (and was not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = chunk.toString('utf8');
    this.lines.push(...text.split('\n').filter(Boolean));
    if (process.env.TEST_LOG === '1') process.stderr.write(text);
    callback();
  }

  get text(): string {
    return this.lines.join('\n');
  }
}
