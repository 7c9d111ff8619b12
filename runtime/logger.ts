import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Fields that may carry a secret when an object is logged. Request and response headers are never logged
 * at all (see http/request-logging.ts), which keeps cookies, Authorization and CSRF tokens out by construction.
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'csrfToken',
  '*.csrfToken',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
];

export function createLogger(options: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: options.name ?? 'sesame',
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination(1),
  );
}
