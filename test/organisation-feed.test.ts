import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { createPerson } from './helpers/people.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

const api = (siret: string, rest = '') => `/api/v1/organisations/${siret}${rest}`;

interface FeedEvent {
  type: string;
  message: string;
  label: string;
  occurredAt: string;
  actor: { id: string; name: string } | null;
  details: Record<string, unknown>;
}

describe('the organisation’s event feed', () => {
  it('tells every member who joined, left, changed roles and handled codes, newest first', async () => {
    const siret = SIRET.commune;
    const manager = await signUpAndActivate(platform, {
      siret,
      givenName: 'Agnès',
      familyName: 'Péréz',
      email: newEmail('saint-exemple.fr', 'agnes'),
    });
    const colleague = await signUpAndActivate(platform, {
      siret,
      givenName: 'Benoît',
      familyName: 'Crémieux',
      email: newEmail('saint-exemple.fr', 'benoit'),
    });
    const freeMail = await signUpAndActivate(platform, {
      siret,
      givenName: 'Chloé',
      familyName: 'Dàvid',
      email: newEmail('gmail.com', 'chloe'),
    });
    const support = platform.client();
    await support.signIn('support@sesame.test', DEMO_PASSWORD);
    const pending = (await support.get('/api/v1/support/memberships')).json.find(
      (item: { user: { email: string } }) => item.user.email === freeMail.email,
    );
    assert.equal(
      (await support.send('POST', `/api/v1/support/memberships/${pending.id}/approve`, {})).status,
      200,
    );

    const created = await manager.client.send('POST', api(siret, '/invitations'), {
      count: 2,
      roles: ['lecteur'],
    });
    assert.equal(created.status, 201);
    const [redeemed, deactivated] = created.json.codes as { id: string; code: string }[];
    const reader = await createPerson(platform, { givenName: 'Désiré', familyName: 'Ébène' });
    assert.equal(
      (await reader.client.send('POST', '/api/v1/invitations/redeem', { code: redeemed!.code })).status,
      200,
    );
    assert.equal(
      (await manager.client.send('POST', api(siret, `/invitations/${deactivated!.id}/deactivate`))).status,
      200,
    );
    const colleagueId = colleague.activation.user.id;
    const freeMailId = freeMail.activation.user.id;
    assert.equal(
      (
        await manager.client.send('PATCH', api(siret, `/members/${colleagueId}`), {
          roles: ['administrateur', 'demandeur'],
        })
      ).status,
      200,
    );
    assert.equal((await manager.client.send('DELETE', api(siret, `/members/${freeMailId}`))).status, 204);

    // A reader follows the feed too; leaving, they write its next line and can no longer read it.
    const readerView = await reader.client.get(api(siret, '/events'));
    assert.equal(readerView.status, 200);
    assert.equal((await reader.client.send('DELETE', api(siret, `/members/${reader.userId}`))).status, 204);
    assert.equal((await reader.client.get(api(siret, '/events'))).status, 404);
    assert.equal(
      (await manager.client.send('POST', api(siret, '/main-manager'), { userId: colleagueId })).status,
      200,
    );

    const feed = await colleague.client.get(api(siret, '/events'));
    assert.equal(feed.status, 200, feed.text);
    assert.equal(feed.json.page, 1);
    assert.equal(feed.json.hasMore, false);
    const events: FeedEvent[] = feed.json.events;
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'main_manager_handed_over',
        'member_left',
        'member_removed',
        'member_roles_changed',
        'invitation_code_deactivated',
        'invitation_code_redeemed',
        'invitation_codes_created',
        'member_joined',
        'member_joined',
        'member_joined',
      ],
    );
    assert.deepEqual(
      events.map((event) => event.message),
      [
        'Agnès Péréz a transmis le rôle de gestionnaire principal à Benoît Crémieux.',
        'Désiré Ébène a quitté l’organisation.',
        'Agnès Péréz a retiré Chloé Dàvid de l’organisation.',
        'Agnès Péréz a changé les rôles de Benoît Crémieux : Demandeur → Administrateur, Demandeur.',
        'Agnès Péréz a désactivé un code d’invitation.',
        'Désiré Ébène a rejoint l’organisation grâce à un code d’invitation, avec les rôles : Lecteur.',
        'Agnès Péréz a créé 2 codes d’invitation (rôles : Lecteur).',
        'Chloé Dàvid a rejoint l’organisation (validation par le support), avec les rôles : Demandeur.',
        'Benoît Crémieux a rejoint l’organisation (domaine de l’adresse électronique), avec les rôles : Demandeur.',
        'Agnès Péréz a inscrit l’organisation sur Sésame et en est gestionnaire principal.',
      ],
    );
    assert.equal(events[7]!.actor?.name, 'Sacha Petit', 'the support agent approved');
    assert.equal(events[0]!.label, 'Transmission du rôle de gestionnaire principal');
    const times = events.map((event) => Date.parse(event.occurredAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.ok(
      !feed.text.includes(redeemed!.code) && !feed.text.includes(deactivated!.code),
      'no code in the feed',
    );

    const { rows } = await platform.services.db.query<{ details: string }>(
      'SELECT details::text AS details FROM organisation_events',
    );
    assert.ok(rows.every((row) => !row.details.includes(redeemed!.code.slice(0, 8))));

    const outsider = await createPerson(platform);
    assert.equal((await outsider.client.get(api(siret, '/events'))).status, 404);
    assert.equal((await platform.client().get(api(siret, '/events'))).status, 401);
  });

  it('pages through older events', async () => {
    const siret = SIRET.hospital;
    const manager = await signUpAndActivate(platform, { siret, email: newEmail('chu-fiction.fr') });
    for (let index = 0; index < 24; index += 1) {
      const answer = await manager.client.send('POST', api(siret, '/invitations'), {
        count: 1,
        roles: ['demandeur'],
      });
      assert.equal(answer.status, 201);
    }
    const first = await manager.client.get(api(siret, '/events'));
    assert.equal(first.json.events.length, 20);
    assert.equal(first.json.pageSize, 20);
    assert.equal(first.json.hasMore, true);
    const second = await manager.client.get(api(siret, '/events?page=2'));
    assert.equal(second.json.events.length, 5);
    assert.equal(second.json.hasMore, false);
    assert.equal(second.json.events.at(-1).type, 'member_joined');
    const ids = [...first.json.events, ...second.json.events].map((event: { id: string }) => event.id);
    assert.equal(new Set(ids).size, 25, 'no event on two pages');
    assert.deepEqual((await manager.client.get(api(siret, '/events?page=9'))).json.events, []);
    for (const bad of ['0', '-1', 'abc', '1.5']) {
      const answer = await manager.client.get(api(siret, `/events?page=${bad}`));
      assert.equal(answer.status, 422, `page=${bad}`);
      assert.equal(answer.json.errors[0].path, 'page');
    }
  });
});
