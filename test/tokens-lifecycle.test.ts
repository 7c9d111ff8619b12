import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenWorkflowId } from '../workflows/token-lifecycle.ts';
import { emailsTo, newEmail, signUpAndActivate, SIRET, type MailboxEmail } from './helpers/accounts.ts';
import {
  approve,
  approvedTechnicalAccountRequest,
  introspect,
  issuedTokenOf,
  providerCredentials,
  submitRequest,
} from './helpers/habilitations.ts';
import type { HttpClient } from './helpers/http-client.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

/** Every duration of a credential's life shrunk to seconds: the real durable timers run. */
let platform: TestPlatform;
let manager: { client: HttpClient; email: string };

before(async () => {
  platform = await startTestPlatform({
    env: {
      // Each step below has at least 4 s before the deadline it races (first reminder, sealed copy, expiry).
      TOKEN_VALIDITY_OVERRIDE: '12s',
      TOKEN_REMINDER_OFFSETS: '8s,4s',
      SEALED_TOKEN_TTL: '6s',
      TECH_ACCOUNT_PASSWORD_TTL: '6s',
      TECH_ACCOUNT_REMINDERS: '3s',
    },
  });
  manager = await signUpAndActivate(platform, { siret: SIRET.commune, email: newEmail('saint-exemple.fr') });
});
after(async () => {
  await platform.stop();
});

const mentioning = (emails: MailboxEmail[], prefix: string) =>
  emails.filter((email) => email.text.includes(prefix));

describe('a token’s life, on durable timers', () => {
  it('reminds before expiry, destroys the unrevealed copy, expires, and says so; never reminds about a revoked token', async () => {
    const provider = await providerCredentials(platform, 'api-entreprise');
    const scopes = ['unites_legales_etablissements'];
    // Three requests of the commune, submitted through the API, then approved together: each approval issues its
    // token at once, the three within moments of each other, and a token lives seconds. What the test does with a
    // token follows straight away.
    const requests = await Promise.all(
      [1, 2, 3].map(() => submitRequest(manager.client, { definition: 'api-entreprise', scopes })),
    );
    const issued = async (requestId: string) => {
      const id = await approve(platform, requestId);
      return { id, tokenId: await issuedTokenOf(manager.client, id) };
    };
    const [revoked, kept, unrevealed] = await Promise.all([
      issued(requests[0]!).then(async (revoking) => {
        const answer = await manager.client.send('POST', `/api/v1/tokens/${revoking.tokenId}/revoke`);
        assert.equal(answer.status, 204, answer.text);
        return revoking;
      }),
      issued(requests[1]!).then(async (revealing) => {
        const answer = await manager.client.send('POST', `/api/v1/tokens/${revealing.tokenId}/reveal`);
        assert.equal(answer.status, 200, 'revealed before its sealed copy is destroyed');
        return { ...revealing, token: answer.json.token as string };
      }),
      issued(requests[2]!),
    ]);
    const { token, tokenId: keptId } = kept;
    const unrevealedId = unrevealed.tokenId;
    const prefixOf = async (habilitationId: string) =>
      (await manager.client.get(`/api/v1/habilitations/${habilitationId}`)).json.tokens[0].prefix as string;
    const keptPrefix = await prefixOf(kept.id);
    const revokedPrefix = await prefixOf(revoked.id);

    // The sealed copy of the token nobody revealed is destroyed after SEALED_TOKEN_TTL.
    await eventually(
      async () => {
        const { rows } = await platform.services.db.query('SELECT sealed_secret FROM tokens WHERE id = $1', [
          unrevealedId,
        ]);
        return rows[0].sealed_secret === null ? true : undefined;
      },
      30_000,
      'the sealed copy destroyed',
    );
    const late = await manager.client.send('POST', `/api/v1/tokens/${unrevealedId}/reveal`);
    assert.equal(late.status, 410);
    assert.match(late.json.message, /copie a été détruite/);

    // Its second reminder sent, the kept token still has 4 s to live.
    await eventually(
      async () => {
        const all = (await platform.client().get('/dev/mails.json')).json as MailboxEmail[];
        const reminded = mentioning(all, keptPrefix).filter((email) => /expire le/.test(email.subject));
        return reminded.length >= 2 ? reminded : undefined;
      },
      30_000,
      'the kept token’s two reminders',
    );
    assert.equal((await introspect(platform, provider.basic, { token })).json.active, true);
    const reminders = await emailsTo(platform, manager.email, { subject: /expire le/, count: 4 });
    assert.equal(mentioning(reminders, keptPrefix).length, 2, 'D-8s and D-4s for the kept token');
    const expired = await emailsTo(platform, manager.email, { subject: /a expiré/, count: 2 });
    assert.equal(mentioning(expired, keptPrefix).length, 1);
    assert.equal((await introspect(platform, provider.basic, { token })).json.active, false);
    const view = await manager.client.get(`/api/v1/habilitations/${kept.id}`);
    assert.equal(view.json.tokens[0].status, 'expired');
    const handle = platform.services.temporal.client.workflow.getHandle(tokenWorkflowId(keptId));
    assert.equal(await handle.result(), 'ended');

    const all = (await platform.client().get('/dev/mails.json')).json as MailboxEmail[];
    assert.deepEqual(
      mentioning(all, revokedPrefix).map((email) => email.subject),
      ['Un jeton d’accès à l’API Entreprise a été révoqué'],
      'a revoked token gets no reminder and no expiry email',
    );
  });

  it('reminds the main manager before a technical account’s password expires', async () => {
    await approvedTechnicalAccountRequest(platform, manager.client, { scopes: ['factures_depot'] });
    const created = await manager.client.send(
      'POST',
      `/api/v1/organisations/${SIRET.commune}/technical-accounts`,
    );
    assert.equal(created.status, 201);
    const [email] = await emailsTo(platform, manager.email, {
      subject: new RegExp(`mot de passe du compte technique ${created.json.login} expire`, 'i'),
    });
    assert.ok(!email!.text.includes(created.json.password));
    const listed = await eventually(async () => {
      const accounts = (await manager.client.get(`/api/v1/organisations/${SIRET.commune}/technical-accounts`))
        .json as {
        status: string;
      }[];
      return accounts[0]?.status === 'password_expired' ? accounts : undefined;
    }, 30_000);
    assert.equal(listed.length, 1);
  });
});
