import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkTokenShape } from '../domain/token-format';
import { tokenWorkflowId } from '../workflows/token-lifecycle';
import { credentialIssuanceWorkflowId } from '../workflows/credential-issuance';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts';
import {
  grantHabilitation,
  introspect,
  issueCredentialsFor,
  providerCredentials,
} from './helpers/habilitations';
import type { HttpClient } from './helpers/http-client';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform';

let platform: TestPlatform;
let manager: { client: HttpClient; email: string };
let provider: Awaited<ReturnType<typeof providerCredentials>>;

before(async () => {
  platform = await startTestPlatform({ env: { ROTATION_GRACE_HOUR: '1s' } });
  manager = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr', 'maire'),
  });
  provider = await providerCredentials(platform, 'api-entreprise');
});
after(async () => {
  await platform.stop();
});

const SCOPES = ['unites_legales_etablissements', 'associations'];

async function issuedToken() {
  const habilitation = await grantHabilitation(platform, {
    siret: SIRET.commune,
    definition: 'api-entreprise',
    scopes: SCOPES,
  });
  const [tokenId] = await issueCredentialsFor(platform, habilitation.id);
  assert.ok(tokenId);
  return { habilitation, tokenId };
}

async function reveal(client: HttpClient, tokenId: string): Promise<string> {
  const answer = await client.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  assert.equal(answer.status, 200, answer.text);
  return answer.json.token as string;
}

async function isActive(token: string): Promise<boolean> {
  const answer = await introspect(platform, provider.basic, { token });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.active as boolean;
}

describe('token issuance', () => {
  it('issues one token per habilitation, however often issuance runs, and tells the holders without the secret', async () => {
    const { habilitation, tokenId } = await issuedToken();
    assert.deepEqual(await issueCredentialsFor(platform, habilitation.id, '-again'), [tokenId]);
    const { rows } = await platform.services.db.query('SELECT id FROM tokens WHERE habilitation_id = $1', [
      habilitation.id,
    ]);
    assert.equal(rows.length, 1);

    const [email] = await emailsTo(platform, manager.email, {
      subject: /jeton d’accès à API Entreprise est disponible/,
    });
    assert.match(email!.text, new RegExp(`/jetons/${habilitation.id}`));
    assert.doesNotMatch(email!.text, /sesame_[0-9A-Za-z]{10}/);

    const token = await reveal(manager.client, tokenId);
    assert.equal(checkTokenShape(token), 'valid');
    // The secret is nowhere but in the answer that showed it: not in Temporal, the logs or the outbox.
    for (const workflowId of [tokenWorkflowId(tokenId), credentialIssuanceWorkflowId(habilitation.id)]) {
      const history = await platform.services.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      assert.ok(!JSON.stringify(history).includes(token), `not in the history of ${workflowId}`);
    }
    assert.ok(!platform.logs.text.includes(token), 'not in the logs');
    assert.ok(!platform.logs.text.includes(token.slice(7)), 'not even without its prefix');
    const outbox = await platform.services.db.query(
      'SELECT subject, text_body, html_body, sealed_secrets FROM outbox_emails',
    );
    assert.ok(!JSON.stringify(outbox.rows).includes(token), 'not in the outbox');
    const stored = await platform.services.db.query('SELECT * FROM tokens WHERE id = $1', [tokenId]);
    assert.ok(!JSON.stringify(stored.rows).includes(token.slice(13)), 'not in the tokens table');
    assert.equal(stored.rows[0].sealed_secret, null, 'the sealed copy is gone once revealed');
  });

  it('issues nothing for a definition whose credentials are technical accounts', async () => {
    const habilitation = await grantHabilitation(platform, {
      siret: SIRET.commune,
      definition: 'chorus-pro',
      scopes: ['factures_depot'],
    });
    assert.deepEqual(await issueCredentialsFor(platform, habilitation.id), []);
  });
});

describe('the holder’s dashboard', () => {
  it('lists the habilitations of my organisations with their tokens', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const list = await manager.client.get('/api/v1/habilitations');
    assert.equal(list.status, 200);
    const listed = (list.json as { id: string; tokens: { id: string }[] }[]).find(
      (item) => item.id === habilitation.id,
    );
    assert.ok(listed);
    const one = await manager.client.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.canAct, true);
    assert.deepEqual(one.json.scopes, SCOPES);
    const [token] = one.json.tokens;
    assert.equal(token.id, tokenId);
    assert.equal(token.status, 'active');
    assert.equal(token.revealed, false);
    assert.equal(token.lastUsedAt, null);
    assert.match(token.prefix, /^sesame_[0-9A-Za-z]{6}$/);
  });

  it('reveals a token once: 410 the second time', async () => {
    const { tokenId } = await issuedToken();
    await reveal(manager.client, tokenId);
    const again = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
    assert.equal(again.status, 410);
    assert.equal(again.json.error, 'token_already_revealed');
  });

  it('hides tokens from other organisations (404) and lets readers see but not act (403)', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const outsider = await signUpAndActivate(platform, {
      siret: SIRET.department,
      email: newEmail('loiret-fiction.fr'),
    });
    assert.equal((await outsider.client.get(`/api/v1/habilitations/${habilitation.id}`)).status, 404);
    for (const action of ['reveal', 'revoke', 'rotate', 'renew'])
      assert.equal(
        (
          await outsider.client.send(
            'POST',
            `/api/v1/tokens/${tokenId}/${action}`,
            action === 'renew'
              ? { confirmSamePurpose: true, confirmSameContacts: true }
              : action === 'rotate'
                ? {}
                : undefined,
          )
        ).status,
        404,
        action,
      );

    const reader = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr', 'lecteur'),
    });
    await platform.services.db.query(
      `UPDATE memberships SET roles = '{lecteur}' WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
      [reader.email],
    );
    const seen = await reader.client.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.json.canAct, false);
    assert.equal((await reader.client.send('POST', `/api/v1/tokens/${tokenId}/reveal`)).status, 403);
    assert.equal((await reader.client.send('POST', `/api/v1/tokens/${tokenId}/revoke`)).status, 403);
    assert.equal((await reader.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {})).status, 403);
    // Still revealable by someone who may.
    await reveal(manager.client, tokenId);
  });

  it('lets an instructor of the definition see and revoke, not reveal', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const token = await reveal(manager.client, tokenId);
    const instructor = platform.client();
    await instructor.signIn('instructeur@sesame.test', DEMO_PASSWORD);
    assert.equal((await instructor.get(`/api/v1/habilitations/${habilitation.id}`)).status, 200);
    assert.equal((await instructor.send('POST', `/api/v1/tokens/${tokenId}/reveal`)).status, 403);
    assert.equal(await isActive(token), true);
    assert.equal((await instructor.send('POST', `/api/v1/tokens/${tokenId}/revoke`)).status, 204);
    assert.equal(await isActive(token), false, 'revocation is effective on the next introspection');
    const [email] = await emailsTo(platform, manager.email, { subject: /a été révoqué/ });
    assert.match(email!.text, /instruction/);
  });
});

describe('revocation and rotation', () => {
  it('revokes at once; a revoked token can be neither revoked again, rotated nor renewed', async () => {
    const { tokenId } = await issuedToken();
    const token = await reveal(manager.client, tokenId);
    assert.equal(await isActive(token), true);
    assert.equal((await manager.client.send('POST', `/api/v1/tokens/${tokenId}/revoke`)).status, 204);
    assert.equal(await isActive(token), false);
    assert.equal((await manager.client.send('POST', `/api/v1/tokens/${tokenId}/revoke`)).status, 409);
    const rotate = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {});
    assert.equal(rotate.status, 409);
    assert.equal(rotate.json.error, 'token_not_active');
    const renew = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(renew.status, 409);
    const view = await manager.client.get(`/api/v1/tokens/${tokenId}`);
    assert.equal(view.status, 404, 'no such route: tokens are read through their habilitation');
  });

  it('refuses a grace period outside 0..168 hours, naming the field', async () => {
    const { tokenId } = await issuedToken();
    for (const graceHours of [-1, 169, 1.5, 'douze']) {
      const answer = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, { graceHours });
      assert.equal(answer.status, 422, String(graceHours));
      assert.equal(answer.json.errors[0].path, 'graceHours');
    }
  });

  it('rotates: the new token works at once, the old one until the end of its grace, then stops', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const old = await reveal(manager.client, tokenId);
    // One "hour" of grace lasts a second in this test (ROTATION_GRACE_HOUR=1s).
    const rotated = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, { graceHours: 3 });
    assert.equal(rotated.status, 201, rotated.text);
    const fresh = await reveal(manager.client, rotated.json.id);
    assert.notEqual(fresh, old);
    assert.equal(await isActive(fresh), true);
    assert.equal(await isActive(old), true, 'the old token still works during the grace period');
    const again = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {});
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'token_already_replaced');
    await eventually(async () => ((await isActive(old)) ? undefined : true), 10_000, 'the end of the grace');
    assert.equal(await isActive(fresh), true);
    const view = await manager.client.get(`/api/v1/habilitations/${habilitation.id}`);
    const statuses = Object.fromEntries(
      (view.json.tokens as { id: string; status: string }[]).map((token) => [token.id, token.status]),
    );
    assert.deepEqual(statuses, { [tokenId]: 'revoked', [rotated.json.id]: 'active' });
    await emailsTo(platform, manager.email, { subject: /nouveau jeton d’accès/ });
    // The old token's lifecycle noticed its end and finished.
    const handle = platform.services.temporal.client.workflow.getHandle(tokenWorkflowId(tokenId));
    assert.equal(await handle.result(), 'ended');
  });

  it('rotates with no grace: the old token stops at once', async () => {
    const { tokenId } = await issuedToken();
    const old = await reveal(manager.client, tokenId);
    const rotated = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, { graceHours: 0 });
    assert.equal(rotated.status, 201);
    assert.equal(await isActive(old), false);
  });
});

describe('renewal', () => {
  it('is refused (409) before the 90 days preceding expiry, and without both confirmations (422)', async () => {
    const { tokenId } = await issuedToken();
    const missing = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
    });
    assert.equal(missing.status, 422);
    assert.deepEqual(
      (missing.json.errors as { path: string }[]).map((error) => error.path),
      ['confirmSameContacts'],
    );
    const early = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(early.status, 409);
    assert.equal(early.json.error, 'renewal_not_open');
  });

  it('extends a token close to expiry by the definition’s validity (18 months)', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const soon = new Date(Date.now() + 10 * 86_400_000);
    await platform.services.db.query('UPDATE tokens SET expires_at = $2 WHERE id = $1', [tokenId, soon]);
    const listed = await manager.client.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(listed.json.tokens[0].status, 'expiring');
    assert.equal(listed.json.tokens[0].renewable, true);
    const renewed = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(renewed.status, 200, renewed.text);
    const expected = new Date(soon);
    expected.setUTCMonth(expected.getUTCMonth() + 18);
    assert.ok(Math.abs(new Date(renewed.json.expiresAt).getTime() - expected.getTime()) < 3 * 86_400_000);
  });

  it('expired tokens are refused by introspection and cannot be renewed', async () => {
    const { tokenId } = await issuedToken();
    const token = await reveal(manager.client, tokenId);
    await platform.services.db.query(
      `UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [tokenId],
    );
    assert.equal(await isActive(token), false);
    const renew = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(renew.status, 409);
  });
});

describe('a reopened request approved again', () => {
  it('keeps the previous token working for the superseded grace, then stops it', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const old = await reveal(manager.client, tokenId);
    const next = await grantHabilitation(platform, {
      siret: SIRET.commune,
      definition: 'api-entreprise',
      scopes: SCOPES,
      requestId: habilitation.requestId,
    });
    assert.equal(await isActive(old), true, 'superseded, within the default 24 h grace');
    const [fresh] = await issueCredentialsFor(platform, next.id);
    const { rows } = await platform.services.db.query('SELECT retires_at FROM tokens WHERE id = $1', [
      tokenId,
    ]);
    const endsIn = (rows[0].retires_at as Date).getTime() - Date.now();
    assert.ok(endsIn > 23 * 3_600_000 && endsIn <= 24 * 3_600_000, 'the end of the grace is recorded');
    assert.equal(await isActive(await reveal(manager.client, fresh!)), true);
    // Grace over (as if a day had passed): the old token stops.
    await platform.services.db.query(
      `UPDATE habilitations SET ended_at = now() - interval '25 hours' WHERE id = $1`,
      [habilitation.id],
    );
    await platform.services.db.query(
      `UPDATE tokens SET retires_at = now() - interval '1 hour' WHERE id = $1`,
      [tokenId],
    );
    assert.equal(await isActive(old), false);
  });
});
