import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Serves one PGlite database over the PostgreSQL wire protocol to any number of client connections.
 *
 * PGlite is a single backend, so connections must take turns; what matters is where a turn may end. Here it
 * ends only at a protocol synchronisation point (Sync, simple Query, Terminate) and never inside an explicit
 * transaction: the extended-protocol messages of one statement (Parse, Bind, Execute…) and the statements of
 * one transaction are never interleaved with another connection's. (The upstream pglite-socket server takes
 * turns per message, which under concurrency binds one connection's parameters to another's statement.)
 */

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSSENC_REQUEST = 80877104;
/** Messages after which the client waits for the server, so a turn may end there. */
const TURN_ENDS = new Set(['S', 'Q', 'X']);

/** A fair lock on the database, held by one connection at a time for one or more turns. */
class Turnstile {
  private holder: Connection | undefined;
  private readonly queue: { connection: Connection; grant: () => void }[] = [];

  async enter(connection: Connection): Promise<void> {
    if (this.holder === connection) return;
    if (this.holder === undefined) {
      this.holder = connection;
      return;
    }
    await new Promise<void>((grant) => this.queue.push({ connection, grant }));
  }

  leave(connection: Connection): void {
    if (this.holder !== connection) return;
    const next = this.queue.shift();
    this.holder = next?.connection;
    next?.grant();
  }

  forget(connection: Connection): void {
    const index = this.queue.findIndex((waiting) => waiting.connection === connection);
    if (index >= 0) this.queue.splice(index, 1);
  }

  holds(connection: Connection): boolean {
    return this.holder === connection;
  }
}

class Connection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private processing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly db: PGlite,
    private readonly turnstile: Turnstile,
  ) {
    socket.setNoDelay(true);
    // Chunks are handled strictly in arrival order, one after the other.
    socket.on('data', (chunk: Buffer) => {
      this.processing = this.processing
        .then(() => this.receive(chunk))
        .catch(() => {
          this.socket.destroy();
        });
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.processing = this.processing.then(() => this.release()).catch(() => undefined);
    });
  }

  private async receive(chunk: Buffer): Promise<void> {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const startup = !this.started;
      const message = this.takeMessage();
      if (message === undefined) return;
      if (message.length === 0) continue;
      await this.execute(message, startup);
    }
  }

  /**
   * The next complete message; an empty buffer for a message answered here (SSL or cancel request); undefined
   * when more bytes are needed.
   */
  private takeMessage(): Buffer | undefined {
    if (!this.started) {
      if (this.buffer.length < 8) return undefined;
      const length = this.buffer.readInt32BE(0);
      if (this.buffer.length < length) return undefined;
      const code = this.buffer.readInt32BE(4);
      const message = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.socket.write('N');
        return Buffer.alloc(0);
      }
      if (code === CANCEL_REQUEST) {
        // PGlite has no running query to cancel from another connection.
        this.socket.end();
        return Buffer.alloc(0);
      }
      this.started = true;
      return message;
    }
    if (this.buffer.length < 5) return undefined;
    const length = 1 + this.buffer.readInt32BE(1);
    if (this.buffer.length < length) return undefined;
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return message;
  }

  private async execute(message: Buffer, startup: boolean): Promise<void> {
    if (this.closed) return;
    await this.turnstile.enter(this);
    await this.db.execProtocolRawStream(new Uint8Array(message), {
      onRawData: (data) => {
        if (!this.socket.destroyed) this.socket.write(Buffer.from(data));
      },
    });
    const type = startup ? 'startup' : String.fromCharCode(message[0]!);
    if (type === 'X') this.socket.end();
    if ((startup || TURN_ENDS.has(type)) && !this.db.isInTransaction()) this.turnstile.leave(this);
  }

  /** A client gone in the middle of a transaction must not leave it open for everyone else. */
  private async release(): Promise<void> {
    this.turnstile.forget(this);
    if (!this.turnstile.holds(this)) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.turnstile.leave(this);
  }
}

export interface PGliteWireServer {
  /** host:port to put in a postgres:// URL. */
  address: string;
  stop(): Promise<void>;
}

export async function servePGlite(
  db: PGlite,
  options: { host?: string; port?: number } = {},
): Promise<PGliteWireServer> {
  await db.waitReady;
  const turnstile = new Turnstile();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Connection(socket, db, turnstile);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `${host}:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
