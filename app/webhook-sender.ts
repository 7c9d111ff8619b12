import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { RESPONSE_EXCERPT_BYTES, type TargetRules } from '../domain/webhooks.ts';

// Addresses a webhook must never reach: loopback, private, link-local (cloud metadata at 169.254.169.254 and
// fd00:ec2::254), carrier-grade NAT, multicast, reserved and unspecified.
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An IPv4 address written inside IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it is. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether a resolved address may receive a webhook. */
export function isAllowedAddress(address: string, rules: TargetRules): boolean {
  const { address: plain, family } = unmapped(address);
  if (isIP(plain) === 0) return false;
  if (rules.allowLocalHttp && LOOPBACK.check(plain, family)) return true;
  return !FORBIDDEN.check(plain, family);
}

export interface SendOutcome {
  /** Undefined when no answer came (refused target, connection failure, timeout). */
  statusCode?: number;
  retryAfter?: string;
  responseExcerpt?: string;
  /** Why no answer came, in words for the delivery log (never the payload nor a header). */
  error?: string;
  durationMs: number;
}

class ForbiddenTargetError extends Error {
  constructor() {
    super('adresse de destination interdite (réseau privé, local ou réservé)');
    this.name = 'ForbiddenTargetError';
  }
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Every address a host name resolves to, when all of them may receive a webhook; the check applies to what a
 * delivery connects to, at each delivery (a DNS answer can change after the endpoint was saved).
 */
function resolveAllowed(hostname: string, rules: TargetRules): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    if (isIP(hostname) !== 0) {
      if (!isAllowedAddress(hostname, rules)) reject(new ForbiddenTargetError());
      else resolve([{ address: hostname, family: isIP(hostname) }]);
      return;
    }
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return reject(error);
      if (addresses.length === 0 || addresses.some((entry) => !isAllowedAddress(entry.address, rules)))
        return reject(new ForbiddenTargetError());
      resolve(addresses);
    });
  });
}

/** Whether a URL's host resolves, entirely, to addresses allowed to receive webhooks (checked when saved). */
export async function targetProblem(
  url: string,
  rules: TargetRules,
): Promise<'forbidden' | 'unresolvable' | undefined> {
  try {
    await resolveAllowed(hostOf(new URL(url)), rules);
    return undefined;
  } catch (error) {
    return error instanceof ForbiddenTargetError ? 'forbidden' : 'unresolvable';
  }
}

/**
 * One POST, without following redirects, within `timeoutMs` from the start to the end of the answer. The
 * connection goes to an address checked by the same lookup that resolved it, so that a name resolving to a
 * private address between the check and the connection is refused too.
 */
export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; rules: TargetRules },
): Promise<SendOutcome> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const url = new URL(target);
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: (hostname, lookupOptions, callback) => {
          resolveAllowed(hostname, options.rules).then(
            (addresses) => {
              if (lookupOptions.all) callback(null, addresses);
              else callback(null, addresses[0]!.address, addresses[0]!.family);
            },
            (error: NodeJS.ErrnoException) => callback(error, '', 0),
          );
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            statusCode: response.statusCode,
            retryAfter: response.headers['retry-after'],
            responseExcerpt: excerpt(Buffer.concat(chunks)),
          });
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
          // The rest of a long answer is not needed: the status says what happened.
          if (size >= RESPONSE_EXCERPT_BYTES) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `pas de réponse complète en ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      // Before a socket is made (a refused address), Node calls the lookup once: literal IPs are checked here.
      finish({ error: error instanceof ForbiddenTargetError ? error.message : connectionError(error) });
    });
    if (isIP(hostOf(url)) !== 0 && !isAllowedAddress(hostOf(url), options.rules)) {
      request.destroy(new ForbiddenTargetError());
      return;
    }
    request.end(body);
  });
}

function excerpt(bytes: Buffer): string | undefined {
  if (bytes.length === 0) return undefined;
  // Cut on a character boundary, control characters out: the excerpt is shown on a page and in JSON.
  return (
    bytes
      .subarray(0, RESPONSE_EXCERPT_BYTES)
      .toString('utf8')
      .replace(/\uFFFD+$/, '')
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
  );
}

function connectionError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'ERROR';
  const words: Record<string, string> = {
    ECONNREFUSED: 'connexion refusée',
    ECONNRESET: 'connexion interrompue',
    ENOTFOUND: 'nom de domaine introuvable',
    EAI_AGAIN: 'nom de domaine momentanément introuvable',
    ETIMEDOUT: 'délai de connexion dépassé',
    CERT_HAS_EXPIRED: 'certificat TLS expiré',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'certificat TLS auto-signé',
  };
  return `${words[code] ?? 'échec de la connexion'} (${code})`;
}
