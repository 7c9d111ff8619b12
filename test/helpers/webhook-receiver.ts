import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * Platform settings for webhook tests: deliveries to this receiver on 127.0.0.1, a schedule spent in about a
 * second, a one-second timeout, and the relay looking every second.
 */
export const FAST_WEBHOOKS = {
  WEBHOOK_ALLOW_LOCAL_HTTP: 'true',
  WEBHOOK_RETRY_SCHEDULE: '0,300ms,300ms,300ms',
  WEBHOOK_TIMEOUT: '1s',
  WEBHOOK_RELAY_INTERVAL: '1s',
} as const;

/** What the receiver does with one delivery: answer a status (with headers), or never answer. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Verified with the Standard Webhooks reference library, with each secret the receiver holds. */
  verifiedWith: string[];
  receivedAt: number;
  answered: number | 'hang';
}

/**
 * A provider's receiver on 127.0.0.1: every delivery is checked with `standardwebhooks` (npm), the reference
 * implementation, against the secrets it is given; what it answers is scripted per delivery.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  secrets: string[] = [];
  private replies: Reply[] = [];
  private fallback: Reply = { status: 204 };
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor(
    readonly url: string,
    server: http.Server,
  ) {
    this.server = server;
  }

  static async start(path = '/webhooks'): Promise<WebhookReceiver> {
    const started: { receiver?: WebhookReceiver } = {};
    const server = http.createServer((req, res) => started.receiver!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    started.receiver = new WebhookReceiver(`http://127.0.0.1:${port}${path}`, server);
    return started.receiver;
  }

  /** The next deliveries get these replies, in order; after them, `then` (204 unless said). */
  script(replies: Reply[], then: Reply = { status: 204 }): void {
    this.replies = [...replies];
    this.fallback = then;
  }

  ofType(type: string): ReceivedDelivery[] {
    return this.received.filter((delivery) => delivery.payload.type === type);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      const verifiedWith = this.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const reply = this.replies.shift() ?? this.fallback;
      let payload: ReceivedDelivery['payload'];
      try {
        payload = JSON.parse(body) as ReceivedDelivery['payload'];
      } catch {
        payload = { type: '(unreadable)', timestamp: '', data: {} };
      }
      this.received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        body,
        payload,
        verifiedWith,
        receivedAt: Date.now(),
        answered: reply === 'hang' ? 'hang' : reply.status,
      });
      if (reply === 'hang') {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
