import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkTokenShape } from '../domain/token-format.ts';
import { requestWorkflowId } from '../workflows/access-request.ts';
import { tokenWorkflowId } from '../workflows/token-lifecycle.ts';
import { emailsTo, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import {
  afterValidity,
  approvedTechnicalAccountRequest,
  approvedToken,
  introspect,
  issuedTokenOf,
  providerCredentials,
  reopenAndApprove,
  retryIssuance,
} from './helpers/habilitations.ts';
import { historyText } from './helpers/history.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

type Provider = Awaited<ReturnType<typeof providerCredentials>>;

/** A platform, the commune's main manager on it (who makes the requests and holds the tokens), a provider. */
interface Setting {
  platform: TestPlatform;
  manager: Awaited<ReturnType<typeof signUpAndActivate>>;
  provider: Provider;
}

async function setting(env: Record<string, string>): Promise<Setting> {
  const platform = await startTestPlatform({ env });
  const manager = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr', 'maire'),
  });
  return { platform, manager, provider: await providerCredentials(platform, 'api-entreprise') };
}

let platform: TestPlatform;
let manager: Setting['manager'];
let provider: Provider;
/** Renewal needs a token inside its renewal window: here the window is wider than a fresh token's validity. */
let wideRenewalWindow: Setting;
/**
 * Tokens that expire seconds after their issuance (TOKEN_VALIDITY_OVERRIDE), and one issued there as the tests
 * start, so that it has expired by the time its test looks at it.
 */
let shortLived: Setting;
let expiring: { habilitationId: string; tokenId: string; token: string; activeWhenIssued: boolean };

/** The main platform's grace for the token of a superseded habilitation (SUPERSEDED_TOKEN_GRACE). */
const SUPERSEDED_GRACE = '5s';
/**
 * The short-lived platform's token validity: long enough for its token to be checked right after its issuance on
 * a loaded machine, and over by the time the expiry test runs (the tests before it take longer than this).
 */
const SHORT_VALIDITY = '15s';
/** The rotation's grace, in "hours" of a second each (ROTATION_GRACE_HOUR=1s). */
const ROTATION_GRACE_HOURS = 5;

before(async () => {
  // Three platforms, for three sets of durations; started together.
  let main: Setting;
  [main, wideRenewalWindow, shortLived] = await Promise.all([
    setting({ ROTATION_GRACE_HOUR: '1s', SUPERSEDED_TOKEN_GRACE: SUPERSEDED_GRACE }),
    setting({ TOKEN_RENEWAL_WINDOW: '600d' }),
    setting({ TOKEN_VALIDITY_OVERRIDE: SHORT_VALIDITY }),
  ]);
  ({ platform, manager, provider } = main);
  const { habilitation, tokenId } = await issuedToken(shortLived);
  const token = await reveal(shortLived.manager.client, tokenId);
  expiring = {
    habilitationId: habilitation.id,
    tokenId,
    token,
    activeWhenIssued: await isActive(token, shortLived),
  };
});
after(async () => {
  await Promise.all([platform, wideRenewalWindow?.platform, shortLived?.platform].map((p) => p?.stop()));
});

const SCOPES = ['unites_legales_etablissements', 'associations'];
const sorted = (scopes: string[]) => [...scopes].sort();

/** An API Entreprise request of the commune, approved through the API, and the token it was issued. */
async function issuedToken(on: Setting = { platform, manager, provider }) {
  const { requestId, habilitationId, tokenId } = await approvedToken(on.platform, on.manager.client, {
    definition: 'api-entreprise',
    scopes: SCOPES,
  });
  return { habilitation: { id: habilitationId, requestId }, tokenId };
}

async function reveal(client: HttpClient, tokenId: string): Promise<string> {
  const answer = await client.send('POST', `/api/v1/tokens/${tokenId}/reveal`);
  assert.equal(answer.status, 200, answer.text);
  return answer.json.token as string;
}

async function isActive(
  token: string,
  on: { platform: TestPlatform; provider: Provider } = { platform, provider },
) {
  const answer = await introspect(on.platform, on.provider.basic, { token });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.active as boolean;
}

/**
 * A probe for `eventually`: the time a refusal of `token` came back, or undefined while it still works. The time
 * after the answer, as the platform decided before it: a correct refusal is never dated before the token's end.
 */
const stoppedAnswering = (token: string) => async () => ((await isActive(token)) ? undefined : Date.now());

describe('token issuance', () => {
  it('issues one token per habilitation, however often issuance runs, and tells the holders without the secret', async () => {
    const { habilitation, tokenId } = await issuedToken();
    // The approval issued it; the step retried finds it and issues nothing more.
    assert.deepEqual(await retryIssuance(platform, habilitation.id), [tokenId]);
    const { rows } = await platform.services.db.query('SELECT id FROM tokens WHERE habilitation_id = $1', [
      habilitation.id,
    ]);
    assert.equal(rows.length, 1);

    const [email] = await emailsTo(platform, manager.email, {
      subject: /jeton d’accès à l’API Entreprise est disponible/,
    });
    assert.match(email!.text, new RegExp(`/jetons/${habilitation.id}`));
    assert.doesNotMatch(email!.text, /sesame_[0-9A-Za-z]{10}/);

    const token = await reveal(manager.client, tokenId);
    assert.equal(checkTokenShape(token), 'valid');
    // The secret is nowhere but in the answer that showed it: not in Temporal, the logs or the outbox.
    for (const workflowId of [requestWorkflowId(habilitation.requestId), tokenWorkflowId(tokenId)]) {
      const history = await platform.services.temporal.client.workflow.getHandle(workflowId).fetchHistory();
      // historyText decodes the payloads: a search of the raw history would see bytes and find nothing.
      assert.ok(!historyText(history).includes(token), `not in the history of ${workflowId}`);
      assert.ok(!historyText(history).includes(token.slice(7)), `not even without its prefix: ${workflowId}`);
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
    const { habilitationId } = await approvedTechnicalAccountRequest(platform, manager.client, {
      scopes: ['factures_depot'],
    });
    const view = await manager.client.get(`/api/v1/habilitations/${habilitationId}`);
    assert.equal(view.status, 200, view.text);
    assert.equal(view.json.status, 'active');
    assert.deepEqual(view.json.tokens, []);
    // The step retried issues nothing either.
    assert.deepEqual(await retryIssuance(platform, habilitationId), []);
    const { rows } = await platform.services.db.query('SELECT id FROM tokens WHERE habilitation_id = $1', [
      habilitationId,
    ]);
    assert.equal(rows.length, 0);
  });
});

describe('the holder’s dashboard', () => {
  it('the pages name the data in words, keep the prefix’s case, and show a rotated token as replaced while it still works', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const rotated = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {
      graceHours: 168,
    });
    assert.equal(rotated.status, 201, rotated.text);
    const tokens = (await manager.client.get(`/api/v1/habilitations/${habilitation.id}`)).json.tokens as {
      id: string;
      prefix: string;
    }[];
    const old = tokens.find((token) => token.id === tokenId)!;
    const current = tokens.find((token) => token.id !== tokenId)!;

    const list = (await manager.client.get('/jetons')).text;
    const card = list.slice(list.indexOf(`/jetons/${habilitation.id}`));
    assert.match(
      card,
      /données : (?=[^<]*Unités légales et établissements \(Insee\))(?=[^<]*Informations et documents des associations)[^<]*<\/p>/,
    );
    // The prefix outside the badge (DSFR draws badges in capitals); the old token replaced, the new one active.
    assert.match(
      card,
      new RegExp(
        `<code>${old.prefix}…</code> <span class="fr-badge fr-badge--sm fr-badge--info">Remplacé</span> <span class="fr-text--sm">fonctionne jusqu’au `,
      ),
    );
    assert.match(
      card,
      new RegExp(
        `<code>${current.prefix}…</code> <span class="fr-badge fr-badge--sm fr-badge--success">Actif</span>`,
      ),
    );

    const page = (await manager.client.get(`/jetons/${habilitation.id}`)).text;
    assert.match(
      page,
      /<dt>Données autorisées<\/dt><dd>(?=[^<]*Unités légales et établissements \(Insee\))(?=[^<]*Informations et documents des associations)[^<]*<\/dd>/,
    );
    assert.doesNotMatch(page, /unites_legales_etablissements/);
    assert.match(
      page,
      new RegExp(`<code>${old.prefix}…</code> <span class="fr-badge fr-badge--info">Remplacé</span>`),
    );
  });

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
    assert.deepEqual(sorted(one.json.scopes), sorted(SCOPES));
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
    // The main manager makes them a reader, as the members page does.
    const demoted = await manager.client.send(
      'PATCH',
      `/api/v1/organisations/${SIRET.commune}/members/${reader.activation.user.id}`,
      { roles: ['lecteur'] },
    );
    assert.equal(demoted.status, 200, demoted.text);
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

  it('through the page, refuses a grace period past 7 days or not a number, issues nothing, and reads none as 24 hours', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const page = `/jetons/${habilitation.id}`;
    const tokens = async () =>
      (
        await platform.services.db.query('SELECT id FROM tokens WHERE habilitation_id = $1', [
          habilitation.id,
        ])
      ).rowCount;
    for (const graceHours of ['192', '-1', 'douze']) {
      const form = await manager.client.get(page);
      const posted = await manager.client.postForm(`${page}/${tokenId}/rotation`, {
        _csrf: csrfTokenOf(form.text),
        graceHours,
      });
      assert.equal(posted.status, 303, graceHours);
      assert.equal(posted.headers.get('location'), page);
      const back = await manager.client.get(page);
      assert.match(
        back.text,
        /(La période de transition va de 0 à 168 heures|nombre entier d’heures)/,
        graceHours,
      );
      assert.equal(await tokens(), 1, `${graceHours}: no new token`);
    }
    // A form without the field (the page always sends one) takes the default grace, not none at all.
    const form = await manager.client.get(page);
    const rotatedAt = Date.now();
    const posted = await manager.client.postForm(`${page}/${tokenId}/rotation`, {
      _csrf: csrfTokenOf(form.text),
      graceHours: '',
    });
    assert.equal(posted.status, 303);
    assert.equal(await tokens(), 2);
    const { rows } = await platform.services.db.query<{ retires_at: Date }>(
      'SELECT retires_at FROM tokens WHERE id = $1',
      [tokenId],
    );
    // An "hour" of grace is a second here (ROTATION_GRACE_HOUR=1s): 24 of them, counted from the rotation.
    assert.ok(rows[0]!.retires_at.getTime() >= rotatedAt + 24_000 - 1_000, 'the default 24 hours');
  });

  it('rotates: the new token works at once, the old one until the end of its grace, then stops', async () => {
    const { habilitation, tokenId } = await issuedToken();
    const old = await reveal(manager.client, tokenId);
    const rotatedAt = Date.now();
    const rotated = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {
      graceHours: ROTATION_GRACE_HOURS,
    });
    assert.equal(rotated.status, 201, rotated.text);
    // Asked first, as early in the grace as can be.
    assert.equal(await isActive(old), true, 'the old token still works during the grace period');
    const fresh = await reveal(manager.client, rotated.json.id);
    assert.notEqual(fresh, old);
    assert.equal(await isActive(fresh), true);
    const again = await manager.client.send('POST', `/api/v1/tokens/${tokenId}/rotate`, {});
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'token_already_replaced');
    const during = await manager.client.get(`/api/v1/habilitations/${habilitation.id}`);
    const endsAt = Date.parse(
      (during.json.tokens as { id: string; endsAt: string }[]).find((token) => token.id === tokenId)!.endsAt,
    );
    const graceMs = ROTATION_GRACE_HOURS * platform.config.credentials.rotationGraceHourMs;
    assert.ok(endsAt >= rotatedAt + graceMs, 'the grace chosen by the holder, counted from the rotation');
    const stoppedBy = await eventually(stoppedAnswering(old), graceMs + 30_000, 'the end of the grace');
    assert.ok(stoppedBy >= endsAt, 'not before the end of its grace');
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

  it('extends a token within its renewal window by the definition’s validity (18 months)', async () => {
    // TOKEN_RENEWAL_WINDOW is wider than the validity there: a token is renewable from its issuance.
    const { manager: holder } = wideRenewalWindow;
    const { habilitation, tokenId } = await issuedToken(wideRenewalWindow);
    const listed = await holder.client.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(listed.json.tokens[0].status, 'expiring');
    assert.equal(listed.json.tokens[0].renewable, true);
    const issuedUntil = new Date(listed.json.tokens[0].expiresAt);
    // Issued for the definition's validity, counted from the approval.
    const approvedAt = new Date(listed.json.createdAt);
    assert.ok(
      Math.abs(issuedUntil.getTime() - afterValidity('api-entreprise', approvedAt).getTime()) < 2 * 3_600_000,
      `${issuedUntil.toISOString()}: the definition’s validity after ${approvedAt.toISOString()}`,
    );
    const renewed = await holder.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(renewed.status, 200, renewed.text);
    const expected = afterValidity('api-entreprise', issuedUntil);
    assert.ok(Math.abs(new Date(renewed.json.expiresAt).getTime() - expected.getTime()) < 3 * 86_400_000);
    // Now twice the validity away, out of the window again.
    const again = await holder.client.send('POST', `/api/v1/tokens/${tokenId}/renew`, {
      confirmSamePurpose: true,
      confirmSameContacts: true,
    });
    assert.equal(again.status, 409);
    assert.equal(again.json.error, 'renewal_not_open');
  });

  it('expired tokens are refused by introspection and cannot be renewed', async () => {
    // Issued as the tests started, valid a few seconds (TOKEN_VALIDITY_OVERRIDE): it expires by itself.
    const { client } = shortLived.manager;
    assert.equal(expiring.activeWhenIssued, true, 'it worked until it expired');
    await eventually(
      async () => {
        const view = await client.get(`/api/v1/habilitations/${expiring.habilitationId}`);
        return view.json.tokens[0].status === 'expired' ? true : undefined;
      },
      60_000,
      'the token’s expiry',
    );
    assert.equal(await isActive(expiring.token, shortLived), false);
    const renew = await client.send('POST', `/api/v1/tokens/${expiring.tokenId}/renew`, {
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
    // The holder reopens the request, saves it, submits it; the instructor approves it again.
    const next = await reopenAndApprove(platform, manager.client, habilitation.requestId);
    assert.notEqual(next, habilitation.id);
    assert.equal(await isActive(old), true, 'superseded, within its grace');
    const fresh = await issuedTokenOf(manager.client, next);
    const previous = await manager.client.get(`/api/v1/habilitations/${habilitation.id}`);
    assert.equal(previous.json.status, 'superseded');
    // The new habilitation's issuance recorded the end of the grace, counted from the supersession.
    const { rows } = await platform.services.db.query<{ retires_at: Date; ended_at: Date }>(
      `SELECT t.retires_at, h.ended_at FROM tokens t JOIN habilitations h ON h.id = t.habilitation_id
        WHERE t.id = $1`,
      [tokenId],
    );
    const graceMs = platform.config.credentials.supersededTokenGraceMs;
    assert.equal(
      rows[0]!.retires_at.getTime() - rows[0]!.ended_at.getTime(),
      graceMs,
      'the end of the grace is recorded',
    );
    assert.equal(new Date(previous.json.tokens[0].endsAt).getTime(), rows[0]!.retires_at.getTime());
    const freshSecret = await reveal(manager.client, fresh);
    assert.equal(await isActive(freshSecret), true);
    // The grace over, the old token stops by itself; the new one carries on.
    const stoppedBy = await eventually(
      stoppedAnswering(old),
      graceMs + 30_000,
      'the end of the superseded grace',
    );
    assert.ok(stoppedBy >= rows[0]!.retires_at.getTime(), 'not before the end of its grace');
    assert.equal(await isActive(freshSecret), true);
  });
});
