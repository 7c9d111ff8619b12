import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer';
import type { Db } from '../store/pool';

/** What the commands of app/ are given; built once per process by runtime/services.ts. */
export interface AppDeps {
  db: Db;
  mailer: Mailer;
  temporal: { client: Client; taskQueue: string; callTimeoutMs: number };
  logger: Logger;
  /** Opens the sealed secrets of queued emails, for the development mailbox. */
  sealingKey: Buffer;
}
