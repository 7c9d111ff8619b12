import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Paths whose last segment is a secret (activation or reset links): the segment is masked in logs. */
const SECRET_PATH_PREFIXES = ['/activation/', '/mot-de-passe/reinitialiser/'];
const SECRET_QUERY_KEYS = /^(token|code|password|secret|key|signature)$/i;

export function redactUrl(url: string): string {
  const [pathname = '', query] = url.split('?', 2);
  const secretPrefix = SECRET_PATH_PREFIXES.find(
    (prefix) => pathname.startsWith(prefix) && pathname.length > prefix.length,
  );
  const safePath = secretPrefix ? `${secretPrefix}[REDACTED]` : pathname;
  if (query === undefined) return safePath;
  const params = new URLSearchParams(query);
  for (const key of [...params.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) params.set(key, '[REDACTED]');
  }
  return `${safePath}?${params.toString()}`;
}

/**
 * One log line per request with its id (taken from X-Request-Id when a proxy set one). Headers and bodies are
 * never logged, and secret parts of URLs are masked.
 */
export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // A 503 says a dependency is down, which its own logs explain: a warning, not an error of ours.
    customLogLevel: (_req, res, error) =>
      res.statusCode === 503 ? 'warn' : error || res.statusCode >= 500 ? 'error' : 'info',
    autoLogging: {
      ignore: (req) =>
        req.url === '/healthz' ||
        req.url === '/readyz' ||
        req.url?.startsWith('/dsfr/') === true ||
        req.url?.startsWith('/static/') === true,
    },
  });
}
