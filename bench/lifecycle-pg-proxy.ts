import net from 'node:net';

/**
 * A TCP relay between one platform process and PostgreSQL that reads the frontend half of the wire protocol
 * (what the process sends) and counts statements: each simple query ('Q') and each Execute ('E') is one. The
 * SQL text is known for 'Q' (it carries it) and for 'E' through the portal's Bind ('B') and the statement's
 * Parse ('P'), so statements are also counted by their first keyword (BEGIN, COMMIT, SELECT…). The backend half
 * is relayed untouched and unread. Connections must not use TLS (the relay would only see ciphertext): the
 * benchmark's DATABASE_URL has no sslmode, and pg then never asks for it.
 */

export const STATEMENT_KINDS = [
  'select',
  'insert',
  'update',
  'delete',
  'with',
  'begin',
  'commit',
  'rollback',
  'other',
  'unknown',
] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export interface StatementCounts {
  statements: number;
  /** BEGIN / START TRANSACTION, COMMIT / END, ROLLBACK (also ROLLBACK TO SAVEPOINT). */
  transactionControl: number;
  byKind: Record<StatementKind, number>;
  /** Every frontend message (Parse, Bind, Sync…), to tell when a process has gone quiet. */
  messages: number;
  connections: number;
}

export const emptyCounts = (): StatementCounts => ({
  statements: 0,
  transactionControl: 0,
  byKind: Object.fromEntries(STATEMENT_KINDS.map((kind) => [kind, 0])) as Record<StatementKind, number>,
  messages: 0,
  connections: 0,
});

export function subtractCounts(after: StatementCounts, before: StatementCounts): StatementCounts {
  const delta = emptyCounts();
  delta.statements = after.statements - before.statements;
  delta.transactionControl = after.transactionControl - before.transactionControl;
  delta.messages = after.messages - before.messages;
  delta.connections = after.connections - before.connections;
  for (const kind of STATEMENT_KINDS) delta.byKind[kind] = after.byKind[kind] - before.byKind[kind];
  return delta;
}

export function classifyStatement(sql: string | undefined): StatementKind {
  if (sql === undefined) return 'unknown';
  const keyword = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  switch (keyword) {
    case 'SELECT':
      return 'select';
    case 'INSERT':
      return 'insert';
    case 'UPDATE':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'WITH':
      return 'with';
    case 'BEGIN':
    case 'START':
      return 'begin';
    case 'COMMIT':
    case 'END':
      return 'commit';
    case 'ROLLBACK':
      return 'rollback';
    default:
      return 'other';
  }
}

// Requests sent before (or instead of) the StartupMessage; like it, they have no type byte.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** The message types whose bodies are read; the others are only counted and skipped. */
const READ_TYPES = new Set(['Q', 'P', 'B', 'E', 'C']);

function cString(body: Buffer, offset: number): { value: string; next: number } {
  const end = body.indexOf(0, offset);
  const stop = end === -1 ? body.length : end;
  return { value: body.toString('utf8', offset, stop), next: stop + 1 };
}

/** Parses one connection's frontend stream, however the bytes are split into chunks. */
export class FrontendParser {
  private pending: Buffer = Buffer.alloc(0);
  private skipping = 0;
  private startup = true;
  /** Prepared statements by name ('' is the unnamed one) and portals by name, to the SQL they run. */
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, string | undefined>();

  constructor(
    private readonly onStatement: (sql: string | undefined) => void,
    private readonly onMessage: () => void,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.skipping > 0) {
      const skipped = Math.min(this.skipping, data.length);
      this.skipping -= skipped;
      data = data.subarray(skipped);
      if (data.length === 0) return;
    }
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    for (;;) {
      if (this.startup) {
        if (buffer.length < 8) break;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) break;
        const code = buffer.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) this.startup = false;
        buffer = buffer.subarray(length);
        continue;
      }
      if (buffer.length < 5) break;
      const type = String.fromCharCode(buffer[0]!);
      const total = 1 + buffer.readInt32BE(1);
      if (buffer.length < total) {
        if (READ_TYPES.has(type)) break;
        // A message whose body is not needed (CopyData, say) is counted now and its bytes skipped.
        this.onMessage();
        this.skipping = total - buffer.length;
        buffer = Buffer.alloc(0);
        break;
      }
      this.handle(type, buffer.subarray(5, total));
      buffer = buffer.subarray(total);
    }
    // Keep a copy of an incomplete message only: the chunk's memory belongs to the socket.
    this.pending = buffer.length > 0 ? Buffer.from(buffer) : Buffer.alloc(0);
  }

  private handle(type: string, body: Buffer): void {
    this.onMessage();
    switch (type) {
      case 'Q':
        this.onStatement(cString(body, 0).value);
        break;
      case 'P': {
        const name = cString(body, 0);
        this.statements.set(name.value, cString(body, name.next).value);
        break;
      }
      case 'B': {
        const portal = cString(body, 0);
        const statement = cString(body, portal.next);
        this.portals.set(portal.value, this.statements.get(statement.value));
        break;
      }
      case 'E':
        this.onStatement(this.portals.get(cString(body, 0).value));
        break;
      case 'C': {
        // Close: 'S' statement or 'P' portal, then its name.
        const name = cString(body, 1).value;
        if (body[0] === 0x53) this.statements.delete(name);
        else this.portals.delete(name);
        break;
      }
      default:
        break;
    }
  }
}

export class CountingPgProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly totals = emptyCounts();
  /** performance.now() of the last frontend message. */
  lastActivity = 0;
  port = 0;

  constructor(
    readonly name: string,
    private readonly target: { host: string; port: number },
    /** Called with every statement's SQL (undefined when its Parse was not seen), e.g. to log them. */
    private readonly onStatement?: (sql: string | undefined, kind: StatementKind) => void,
  ) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** A copy of the counters since the start; subtract two snapshots for what happened in between. */
  snapshot(): StatementCounts {
    return { ...this.totals, byKind: { ...this.totals.byKind } };
  }

  /** DATABASE_URL for the process behind this relay: the same database, reached through it. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  private relay(client: net.Socket): void {
    this.totals.connections += 1;
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => undefined);
    }
    const parser = new FrontendParser(
      (sql) => {
        const kind = classifyStatement(sql);
        this.totals.statements += 1;
        this.totals.byKind[kind] += 1;
        if (kind === 'begin' || kind === 'commit' || kind === 'rollback') this.totals.transactionControl += 1;
        this.onStatement?.(sql, kind);
      },
      () => {
        this.totals.messages += 1;
        this.lastActivity = performance.now();
      },
    );
    client.on('data', (chunk: Buffer) => parser.push(chunk));
    client.pipe(upstream).pipe(client);
  }

  async close(): Promise<void> {
    if (this.server === undefined) return;
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.server = undefined;
  }
}
