import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  activationTokenFor,
  emailsTo,
  newEmail,
  signUpAndActivate,
  signUpBody,
  SIRET,
} from './helpers/accounts.ts';
import { csrfTokenOf } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

async function membershipsOf(siret: string) {
  const { rows } = await platform.services.db.query(
    `SELECT u.email, m.roles, m.status FROM memberships m
       JOIN organisations o ON o.id = m.organisation_id JOIN users u ON u.id = m.user_id
      WHERE o.siret = $1 ORDER BY m.created_at`,
    [siret],
  );
  return rows as { email: string; roles: string[]; status: string }[];
}

async function supportClient() {
  const support = platform.client();
  assert.equal((await support.signIn('support@sesame.test', DEMO_PASSWORD)).status, 200);
  return support;
}

describe('activation and organisation matching', () => {
  it('the first person of a new SIRET creates the organisation from the directory and becomes its main manager', async () => {
    const { client, activation } = await signUpAndActivate(platform, {
      siret: SIRET.department,
      email: newEmail('loire-exemplaire.fr'),
    });
    assert.equal(activation.status, 'active');
    assert.equal(activation.case, 'main_manager');
    assert.deepEqual(activation.organisation, {
      siret: SIRET.department,
      name: 'DEPARTEMENT DE LA LOIRE-EXEMPLAIRE',
    });
    assert.deepEqual(activation.membership, { roles: ['gestionnaire_principal'], status: 'active' });

    const me = await client.get('/api/v1/me');
    assert.equal(me.status, 200, 'the activation signs the person in');
    assert.deepEqual(me.json.currentOrganisation, activation.organisation);
    assert.equal(me.json.memberships.length, 1);
    assert.deepEqual(me.json.memberships[0], {
      organisation: activation.organisation,
      roles: ['gestionnaire_principal'],
      status: 'active',
      joinedVia: 'creation',
      current: true,
    });

    const organisation = await client.get(`/api/v1/organisations/${SIRET.department}`);
    assert.equal(organisation.status, 200);
    assert.equal(organisation.json.legalCategory, '7220');
    assert.equal(organisation.json.eligibility.status, 'eligible');
    assert.match(organisation.json.address, /\d/);
  });

  it('a colleague with the same email domain joins as applicant, and the members are told', async () => {
    const first = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('val-de-fiction.fr', 'premier'),
    });
    const second = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('Val-de-Fiction.fr', 'second'),
    });
    assert.equal(second.activation.case, 'joined_by_domain');
    assert.deepEqual(second.activation.membership, { roles: ['demandeur'], status: 'active' });
    const [notice] = await emailsTo(platform, first.email, { subject: /a rejoint REGION VAL-DE-FICTION/ });
    assert.match(notice!.text, new RegExp(second.email.replace(/[.]/g, '\\.'), 'i'));
    assert.match(notice!.text, /Demandeur/);
  });

  it('someone of another domain waits for support, who is told; support approves once', async () => {
    await signUpAndActivate(platform, {
      siret: SIRET.hospital,
      email: newEmail('ch-val-fictif.fr', 'directrice'),
    });
    const outsider = await signUpAndActivate(platform, {
      siret: SIRET.hospital,
      email: newEmail('prestataire.fr', 'consultant'),
    });
    assert.equal(outsider.activation.case, 'pending_support');
    assert.deepEqual(outsider.activation.membership, { roles: ['demandeur'], status: 'pending_support' });
    const me = await outsider.client.get('/api/v1/me');
    assert.equal(me.json.currentOrganisation, null, 'no organisation to act for yet');
    assert.equal(me.json.memberships[0].status, 'pending_support');

    const [alert] = await emailsTo(platform, 'support@sesame.test', {
      subject: /CENTRE HOSPITALIER DE VAL-FICTIF/,
    });
    assert.match(alert!.text, /prestataire\.fr/);

    const support = await supportClient();
    const queue = await support.get('/api/v1/support/memberships');
    assert.equal(queue.status, 200);
    const pending = queue.json.find(
      (entry: { user: { email: string } }) => entry.user.email === outsider.email,
    );
    assert.ok(pending);
    assert.deepEqual(pending.memberDomains, ['ch-val-fictif.fr']);
    assert.equal(pending.organisation.siret, SIRET.hospital);

    const approved = await support.send('POST', `/api/v1/support/memberships/${pending.id}/approve`, {
      message: 'Bienvenue.',
    });
    assert.equal(approved.status, 200, approved.text);
    assert.deepEqual(approved.json, { status: 'active', roles: ['demandeur'] });
    const [decision] = await emailsTo(platform, outsider.email, { subject: /est validé/ });
    assert.match(decision!.text, /Bienvenue\./);

    const twice = await support.send('POST', `/api/v1/support/memberships/${pending.id}/approve`, {});
    assert.equal(twice.status, 409);
    assert.equal(twice.json.error, 'membership_already_decided');
    const rejectAfter = await support.send('POST', `/api/v1/support/memberships/${pending.id}/reject`, {
      message: 'Non.',
    });
    assert.equal(rejectAfter.status, 409);

    const meAfter = await outsider.client.get('/api/v1/me');
    assert.equal(meAfter.json.memberships[0].status, 'active');
    assert.equal(meAfter.json.currentOrganisation.siret, SIRET.hospital);
  });

  it('support rejects only with a message, which the person receives', async () => {
    await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('univ-fictiville.fr', 'doyen'),
    });
    const outsider = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('ailleurs.fr', 'inconnu'),
    });
    const support = await supportClient();
    const queue = await support.get('/api/v1/support/memberships');
    const pending = queue.json.find(
      (entry: { user: { email: string } }) => entry.user.email === outsider.email,
    );

    const withoutMessage = await support.send('POST', `/api/v1/support/memberships/${pending.id}/reject`, {});
    assert.equal(withoutMessage.status, 422);
    assert.equal(withoutMessage.json.errors[0].path, 'message');
    const blank = await support.send('POST', `/api/v1/support/memberships/${pending.id}/reject`, {
      message: '   ',
    });
    assert.equal(blank.status, 422);
    const mistyped = await support.send('POST', `/api/v1/support/memberships/${pending.id}/reject`, {
      message: 12,
    });
    assert.equal(mistyped.status, 422);

    const rejected = await support.send('POST', `/api/v1/support/memberships/${pending.id}/reject`, {
      message: 'Votre adresse ne relève pas de l’université.',
    });
    assert.equal(rejected.status, 200);
    assert.equal(rejected.json.status, 'rejected');
    const [decision] = await emailsTo(platform, outsider.email, { subject: /est refusé/ });
    assert.match(decision!.text, /ne relève pas de l’université/);
    assert.deepEqual(
      (await membershipsOf(SIRET.university)).map((membership) => membership.status),
      ['active', 'rejected'],
    );
  });

  it('a free-mail address never creates an organisation on its own: support decides, and makes it main manager', async () => {
    const person = await signUpAndActivate(platform, {
      siret: SIRET.portExemple,
      email: newEmail('gmail.com', 'maire'),
    });
    assert.equal(person.activation.case, 'pending_support');
    const support = await supportClient();
    const pending = (await support.get('/api/v1/support/memberships')).json.find(
      (entry: { user: { email: string } }) => entry.user.email === person.email,
    );
    assert.match(pending.reason, /grand public/);
    assert.deepEqual(pending.memberDomains, []);
    const approved = await support.send('POST', `/api/v1/support/memberships/${pending.id}/approve`, {});
    assert.deepEqual(approved.json, { status: 'active', roles: ['gestionnaire_principal'] });
  });

  it('a free-mail address with a colleague already there still goes to support', async () => {
    await signUpAndActivate(platform, {
      siret: SIRET.laPosteBranch,
      email: newEmail('laposte.fr', 'guichet'),
    });
    const person = await signUpAndActivate(platform, {
      siret: SIRET.laPosteBranch,
      email: newEmail('laposte.net', 'facteur'),
    });
    assert.equal(person.activation.case, 'pending_support');
  });

  it('the support queue and decisions are for support agents only', async () => {
    const instructor = platform.client();
    await instructor.signIn('instructeur@sesame.test', DEMO_PASSWORD);
    assert.equal((await instructor.get('/api/v1/support/memberships')).status, 403);
    const decision = await instructor.send(
      'POST',
      '/api/v1/support/memberships/00000000-0000-4000-8000-000000000000/approve',
      {},
    );
    assert.equal(decision.status, 403);
    const support = await supportClient();
    const unknown = await support.send(
      'POST',
      '/api/v1/support/memberships/00000000-0000-4000-8000-000000000000/approve',
      {},
    );
    assert.equal(unknown.status, 404);
    const malformed = await support.send('POST', '/api/v1/support/memberships/pas-un-id/approve', {});
    assert.equal(malformed.status, 404);
  });
});

describe('activation links that cannot be used', () => {
  it('answer why: used, altered, malformed or missing', async () => {
    const body = signUpBody({ siret: SIRET.company, email: newEmail('fictivia.fr') });
    await platform.client().send('POST', '/api/v1/accounts', body);
    const token = await activationTokenFor(platform, body.email);

    const first = await platform.client().send('POST', '/api/v1/accounts/activate', { token });
    assert.equal(first.status, 200);
    assert.equal(first.json.case, 'main_manager');

    const reused = await platform.client().send('POST', '/api/v1/accounts/activate', { token });
    assert.equal(reused.status, 410);
    assert.equal(reused.json.error, 'link_used');
    assert.match(reused.json.message, /déjà servi/);

    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const tampered = await platform.client().send('POST', '/api/v1/accounts/activate', { token: altered });
    assert.equal(tampered.status, 404);
    assert.equal(tampered.json.error, 'link_unknown');

    assert.equal(
      (await platform.client().send('POST', '/api/v1/accounts/activate', { token: 'abc' })).status,
      404,
    );
    assert.equal((await platform.client().send('POST', '/api/v1/accounts/activate', {})).status, 422);
    assert.equal(
      (await platform.client().send('POST', '/api/v1/accounts/activate', { token: 42 })).status,
      422,
    );

    const page = await platform.client().get(`/activation/${token}`);
    assert.equal(page.status, 410);
    assert.match(page.text, /déjà servi/);
  });

  it('the link page only asks to confirm: opening it (as mail scanners do) activates nothing', async () => {
    const body = signUpBody({ siret: SIRET.association, email: newEmail('amis-canal.fr') });
    await platform.client().send('POST', '/api/v1/accounts', body);
    const token = await activationTokenFor(platform, body.email);
    const browser = platform.client();
    const page = await browser.get(`/activation/${token}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Activer mon compte/);
    const { rows } = await platform.services.db.query('SELECT status FROM users WHERE email = $1', [
      body.email,
    ]);
    assert.equal(rows[0].status, 'pending_activation');

    const confirmed = await browser.postForm('/activation', { _csrf: csrfTokenOf(page.text), token });
    assert.equal(confirmed.status, 303);
    assert.equal(confirmed.headers.get('location'), '/tableau-de-bord');
    const dashboard = await browser.get('/tableau-de-bord');
    assert.match(dashboard.text, /ASSOCIATION DES AMIS DU CANAL FICTIF/);
    assert.match(dashboard.text, /Éligibilité à vérifier/);
  });
});

describe('two people activating for the same new SIRET at the same moment', () => {
  it('make exactly one main manager', async () => {
    const bodies = [0, 1].map((index) =>
      signUpBody({ siret: SIRET.otherCommune, email: newEmail('val-fictif-les-bains.fr', `p${index}`) }),
    );
    for (const body of bodies)
      assert.equal((await platform.client().send('POST', '/api/v1/accounts', body)).status, 201);
    const tokens = await Promise.all(bodies.map((body) => activationTokenFor(platform, body.email)));
    const answers = await Promise.all(
      tokens.map((token) => platform.client().send('POST', '/api/v1/accounts/activate', { token })),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200],
    );
    assert.deepEqual(answers.map((answer) => answer.json.case).sort(), ['joined_by_domain', 'main_manager']);
    const memberships = await membershipsOf(SIRET.otherCommune);
    assert.equal(
      memberships.filter((membership) => membership.roles.includes('gestionnaire_principal')).length,
      1,
    );
    assert.equal(memberships.length, 2);
  });

  it('even with different domains: one main manager, the other waits for support', async () => {
    const bodies = [
      signUpBody({ siret: SIRET.communeAnnex, email: newEmail('annexe-un.fr') }),
      signUpBody({ siret: SIRET.communeAnnex, email: newEmail('annexe-deux.fr') }),
    ];
    for (const body of bodies)
      assert.equal((await platform.client().send('POST', '/api/v1/accounts', body)).status, 201);
    const tokens = await Promise.all(bodies.map((body) => activationTokenFor(platform, body.email)));
    const answers = await Promise.all(
      tokens.map((token) => platform.client().send('POST', '/api/v1/accounts/activate', { token })),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200],
      answers.map((answer) => answer.text).join('\n'),
    );
    assert.deepEqual(answers.map((answer) => answer.json.case).sort(), ['main_manager', 'pending_support']);
  });

  it('two clicks on the same link make one activation', async () => {
    const body = signUpBody({ siret: SIRET.university, email: newEmail('double-clic.fr') });
    await platform.client().send('POST', '/api/v1/accounts', body);
    const token = await activationTokenFor(platform, body.email);
    const answers = await Promise.all(
      [0, 1].map(() => platform.client().send('POST', '/api/v1/accounts/activate', { token })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    assert.ok(statuses[0] === 200 && (statuses[1] === 200 || statuses[1] === 410), `answers ${statuses}`);
    const { rows } = await platform.services.db.query(
      'SELECT count(*)::int AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1',
      [body.email],
    );
    assert.equal(rows[0].n, 1);
  });
});
