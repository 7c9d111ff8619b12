import assert from 'node:assert/strict';
import type { HttpAnswer, HttpClient } from './http-client.ts';
import { eventually, type TestPlatform } from './platform.ts';

/** SIRETs of the directory stand-in's data set (directory/README.md). */
export const SIRET = {
  commune: '21457956700014',
  communeAnnex: '21457956700022',
  communeClosedEstablishment: '21457956700030',
  ceasedCommune: '21633826900014',
  otherCommune: '21633094400010',
  portExemple: '21295463000019',
  department: '22450605500017',
  region: '23698651900015',
  hospital: '26630335300012',
  university: '19695860700018',
  company: '85248075500010',
  association: '78105956300010',
  laPosteBranch: '35600000035288',
  unknown: '21457956700097',
} as const;

let counter = 0;
/** A fresh email address on a domain of the test's choosing. */
export const newEmail = (domain: string, name = 'agent') =>
  `${name}.${Date.now().toString(36)}${(counter += 1)}@${domain}`;

export const GOOD_PASSWORD = 'une phrase de passe assez longue';

export function signUpBody(overrides: Record<string, unknown> = {}) {
  return {
    givenName: 'Claude',
    familyName: 'Dupont',
    email: newEmail('saint-exemple.fr'),
    password: GOOD_PASSWORD,
    siret: SIRET.commune,
    ...overrides,
  };
}

export interface MailboxEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  status: string;
  createdAt: string;
}

/** The emails of the development mailbox sent to `to` (newest first), once at least `count` have arrived. */
export async function emailsTo(
  platform: TestPlatform,
  to: string,
  options: { subject?: RegExp; count?: number } = {},
) {
  return eventually(
    async () => {
      const answer = await platform.client().get('/dev/mails.json');
      const emails = (answer.json as MailboxEmail[]).filter(
        (email) => email.to === to.toLowerCase() && (!options.subject || options.subject.test(email.subject)),
      );
      return emails.length >= (options.count ?? 1) ? emails : undefined;
    },
    20_000,
    `an email to ${to}`,
  );
}

/** The token of the newest activation link emailed to `to`. */
export async function activationTokenFor(platform: TestPlatform, to: string, count = 1): Promise<string> {
  const [latest] = await emailsTo(platform, to, { subject: /Activez votre compte/, count });
  const match = /\/activation\/([A-Za-z0-9_-]{43})/.exec(latest!.text);
  assert.ok(match, 'the activation email carries a link');
  return match[1]!;
}

/** Signs up through the API and activates through the link of the email; returns the signed-in client. */
export async function signUpAndActivate(
  platform: TestPlatform,
  overrides: Record<string, unknown> = {},
): Promise<{ client: HttpClient; email: string; activation: HttpAnswer['json'] }> {
  const body = signUpBody(overrides);
  const client = platform.client();
  const created = await client.send('POST', '/api/v1/accounts', body);
  assert.equal(created.status, 201, created.text);
  const token = await activationTokenFor(platform, body.email as string);
  const activated = await client.send('POST', '/api/v1/accounts/activate', { token });
  assert.equal(activated.status, 200, activated.text);
  client.csrfToken = activated.json.csrfToken;
  return { client, email: (body.email as string).toLowerCase(), activation: activated.json };
}
