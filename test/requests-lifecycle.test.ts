import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newEmail, signUpAndActivate, SIRET, emailsTo } from './helpers/accounts.ts';
import { downloadCsv, parseCsv } from './helpers/csv.ts';
import { eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import {
  applicantWithDraft,
  completeApiEntrepriseForm,
  fillAndSubmit,
  signInInstructor,
  signInStaff,
} from './helpers/requests.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

const habilitationsOf = async (requestId: string) =>
  (
    await platform.services.db.query<{ id: string; status: string; revision: number; scopes: string[] }>(
      `SELECT id, status, revision, scopes FROM habilitations WHERE request_id = $1 ORDER BY revision`,
      [requestId],
    )
  ).rows;

describe('API definitions', () => {
  it('lists the shipped definitions and describes one with the JSON Schema of its form', async () => {
    const client = platform.client();
    const list = await client.get('/api/v1/definitions');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.map((d: { slug: string; credentialTypes: string[] }) => [d.slug, d.credentialTypes]),
      [
        ['api-entreprise', ['token']],
        ['api-particulier', ['token']],
        ['chorus-pro', ['technical_account']],
      ],
    );
    const entreprise = await client.get('/api/v1/definitions/api-entreprise');
    assert.equal(entreprise.status, 200);
    assert.deepEqual(
      entreprise.json.useCases.map((u: { id: string }) => u.id),
      ['aide-usager', 'pre-qualification-aides', 'instruction-dossiers'],
    );
    const scopeItems = JSON.stringify(entreprise.json.formSchema.properties.scopes);
    assert.match(scopeItems, /attestations_fiscales/);
    const chorus = await client.get('/api/v1/definitions/chorus-pro');
    assert.equal(
      chorus.json.formSchema.properties.personalData,
      undefined,
      'a block absent from the definition',
    );
    assert.equal((await client.get('/api/v1/definitions/api-inconnue')).status, 404);
  });
});

describe('drafts', () => {
  it('refuses an unknown definition and an organisation the applicant does not belong to', async () => {
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const unknown = await client.send('POST', '/api/v1/requests', {
      definition: 'api-inconnue',
      siret: SIRET.commune,
    });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.json.errors[0].path, 'definition');
    const foreign = await client.send('POST', '/api/v1/requests', {
      definition: 'api-entreprise',
      siret: SIRET.region,
    });
    assert.equal(foreign.status, 422);
    assert.equal(foreign.json.errors[0].path, 'siret');
  });

  it('saves part of the form as is, merging it into what was saved before', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await client.send('PATCH', `/api/v1/requests/${requestId}`, { project: { title: 'Aides' } });
    const saved = await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      project: { description: 'Court' },
      contacts: { dpo: { email: 'pas-une-adresse' } },
    });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.json.data, {
      project: { title: 'Aides', description: 'Court' },
      contacts: { dpo: { email: 'pas-une-adresse' } },
    });
    const cleared = await client.send('PATCH', `/api/v1/requests/${requestId}`, { contacts: null });
    assert.deepEqual(cleared.json.data, { project: { title: 'Aides', description: 'Court' } });
    assert.equal((await client.get(`/api/v1/requests/${requestId}`)).json.state, 'draft');
    const list = await client.get('/api/v1/requests');
    assert.deepEqual(
      list.json.map((r: { id: string; title: string }) => [r.id, r.title]),
      [[requestId, 'Aides']],
    );
  });

  it('keeps every field when saves of different fields arrive at once (autosave from several tabs)', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const fields = {
      project: { title: 'Aides aux associations' },
      legalBasis: { nature: 'Délibération n° 12' },
      personalData: { recipients: 'Service des sports' },
      contacts: { dpo: { givenName: 'Marc' } },
      terms: { cguAccepted: true },
    };
    const answers = await Promise.all(
      Object.entries(fields).flatMap(([block, value]) =>
        [0, 1].map(() => client.send('PATCH', `/api/v1/requests/${requestId}`, { [block]: value })),
      ),
    );
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    const saved = await client.get(`/api/v1/requests/${requestId}`);
    assert.deepEqual(saved.json.data, fields, 'no save lost another');
  });

  it('refuses scopes the definition does not have and blocks it does not use', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const scopes = await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      scopes: ['secret_defense'],
    });
    assert.equal(scopes.status, 422);
    assert.equal(scopes.json.errors[0].path, 'scopes.0');
    const chorus = await client.send('POST', '/api/v1/requests', {
      definition: 'chorus-pro',
      siret: SIRET.commune,
    });
    const block = await client.send('PATCH', `/api/v1/requests/${chorus.json.id}`, {
      personalData: { retentionMonths: 12 },
    });
    assert.equal(block.status, 422);
    assert.match(JSON.stringify(block.json.errors), /personalData/);
  });
});

describe('submission', () => {
  it('lists every missing or invalid field at once', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const form = completeApiEntrepriseForm();
    await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      ...form,
      legalBasis: { nature: 'Délibération' },
      personalData: { recipients: 'Agents', retentionMonths: 48 },
      contacts: {
        ...form.contacts,
        dpo: { ...form.contacts.dpo, email: 'dpo@' },
        technical: { ...form.contacts.technical, phone: '12' },
      },
      terms: { cguAccepted: false, dpoInformed: true },
    });
    const answer = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    assert.equal(answer.status, 422, answer.text);
    assert.deepEqual(
      answer.json.errors.map((error: { path: string }) => error.path),
      [
        'legalBasis.url',
        'personalData.retentionJustification',
        'contacts.dpo.email',
        'contacts.technical.phone',
        'terms.cguAccepted',
      ],
    );
    assert.equal((await client.get(`/api/v1/requests/${requestId}`)).json.state, 'draft');

    const empty = await applicantWithDraft(platform);
    const all = await empty.client.send('POST', `/api/v1/requests/${empty.requestId}/submit`);
    assert.equal(all.status, 422);
    assert.ok(all.json.errors.length >= 20, `${all.json.errors.length} errors`);
  });

  it('goes to instruction, tells the applicant and the instructors, and freezes the form', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const [acknowledgement] = await emailsTo(platform, email, { subject: /a bien été soumise/ });
    assert.match(acknowledgement!.text, /Votre demande d’accès à l’API Entreprise pour /);
    await emailsTo(platform, 'instructeur@sesame.test', { subject: /Nouvelle demande à instruire/ });

    const patch = await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      project: { title: 'Autre' },
    });
    assert.equal(patch.status, 409);
    assert.equal(patch.json.state, 'submitted');
    const again = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    assert.equal(again.status, 409);
    assert.deepEqual(again.json.allowedCommands, []);
    const archive = await client.send('POST', `/api/v1/requests/${requestId}/archive`);
    assert.equal(archive.status, 409);
  });
});

describe('instruction decisions', () => {
  it('asks for changes with a reason; the applicant fixes and resubmits; the instructor sees what changed and approves', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);

    const noReason = await instructor.send('POST', `/api/v1/requests/${requestId}/request-changes`, {
      reason: ' ',
    });
    assert.equal(noReason.status, 422);
    assert.equal(noReason.json.errors[0].path, 'reason');
    const changes = await instructor.send('POST', `/api/v1/requests/${requestId}/request-changes`, {
      reason: 'Précisez la délibération qui fonde la demande.',
    });
    assert.equal(changes.status, 200, changes.text);
    assert.equal(changes.json.state, 'changes_requested');
    const [mail] = await emailsTo(platform, email, { subject: /modifications demandées/ });
    assert.match(mail!.text, /Précisez la délibération/);

    await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      legalBasis: { nature: 'Délibération n° 2026-43 du conseil municipal' },
    });
    const resubmitted = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    assert.equal(resubmitted.json.state, 'submitted');
    await emailsTo(platform, 'instructeur@sesame.test', { subject: /Demande modifiée à instruire/ });

    const diff = await instructor.get(`/api/v1/requests/${requestId}/changes`);
    assert.deepEqual(diff.json.changes, [
      {
        path: 'legalBasis.nature',
        before: 'Délibération du conseil municipal n° 2026-42',
        after: 'Délibération n° 2026-43 du conseil municipal',
      },
    ]);

    const applicantApproves = await client.send('POST', `/api/v1/requests/${requestId}/approve`, {});
    assert.equal(applicantApproves.status, 404, 'an applicant cannot decide');
    const outside = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`, {
      scopes: ['unites_legales_etablissements', 'attestations_fiscales'],
    });
    assert.equal(outside.status, 422);
    assert.match(outside.json.errors[0].message, /attestations_fiscales/);
    const approved = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`, {
      scopes: ['unites_legales_etablissements'],
    });
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.state, 'validated');
    const habilitations = await habilitationsOf(requestId);
    assert.deepEqual(
      habilitations.map((h) => [h.id, h.status, h.scopes]),
      [[approved.json.habilitationId, 'active', ['unites_legales_etablissements']]],
    );
    await emailsTo(platform, email, { subject: /validée/ });

    const events = await client.get(`/api/v1/requests/${requestId}/events`);
    assert.deepEqual(
      events.json
        .filter((e: { toState: string | null }) => e.toState)
        .map((e: { type: string; toState: string }) => [e.type, e.toState]),
      [
        ['submit', 'submitted'],
        ['request_changes', 'changes_requested'],
        ['submit', 'submitted'],
        ['approve', 'validated'],
      ],
    );
    const withReason = events.json.find((e: { type: string }) => e.type === 'request_changes');
    assert.equal(withReason.text, 'Précisez la délibération qui fonde la demande.');
    assert.ok(withReason.actor.familyName);
  });

  it('refuses with a reason, which is final', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    assert.equal((await instructor.send('POST', `/api/v1/requests/${requestId}/refuse`, {})).status, 422);
    const refused = await instructor.send('POST', `/api/v1/requests/${requestId}/refuse`, {
      reason: 'Hors du cadre légal.',
    });
    assert.equal(refused.json.state, 'refused');
    for (const command of ['submit', 'reopen', 'archive']) {
      const answer = await client.send('POST', `/api/v1/requests/${requestId}/${command}`);
      assert.equal(answer.status, 409, command);
      assert.equal(answer.json.state, 'refused');
    }
    for (const command of ['approve', 'request-changes', 'revoke']) {
      const answer = await instructor.send('POST', `/api/v1/requests/${requestId}/${command}`, {
        reason: 'x',
      });
      assert.equal(answer.status, 409, command);
    }
    assert.deepEqual(await habilitationsOf(requestId), []);
  });

  it('archives a draft on request, which is final', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const archived = await client.send('POST', `/api/v1/requests/${requestId}/archive`);
    assert.equal(archived.json.state, 'archived');
    assert.equal((await client.send('POST', `/api/v1/requests/${requestId}/submit`)).status, 409);
    assert.equal(
      (await client.send('PATCH', `/api/v1/requests/${requestId}`, { project: { title: 'x' } })).status,
      409,
    );
  });

  it('reopens a validated request: the habilitation stays until the new revision is approved, then is superseded', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    const first = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
    assert.equal(first.status, 200, first.text);

    const reopened = await client.send('POST', `/api/v1/requests/${requestId}/reopen`);
    assert.equal(reopened.json.state, 'draft');
    const draft = await client.get(`/api/v1/requests/${requestId}`);
    assert.equal(draft.json.revision, 2);
    assert.equal(draft.json.reopened, true);
    assert.equal(draft.json.habilitationId, first.json.habilitationId, 'still active during the revision');

    await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      scopes: ['unites_legales_etablissements', 'associations', 'extraits_rcs'],
    });
    await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    const second = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
    assert.equal(second.json.state, 'validated');
    assert.deepEqual(
      (await habilitationsOf(requestId)).map((h) => [h.revision, h.status, h.scopes.length]),
      [
        [1, 'superseded', 2],
        [2, 'active', 3],
      ],
    );
  });

  it('a refused revision leaves the request validated with its habilitation', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    const approved = await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    const habilitationId = approved.json.habilitationId as string;
    const reopened = await client.send('POST', `/api/v1/requests/${requestId}/reopen`);
    assert.equal(reopened.status, 200, reopened.text);
    assert.deepEqual(reopened.json, { state: 'draft' });
    const resubmitted = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    assert.equal(resubmitted.status, 200, resubmitted.text);
    assert.deepEqual(resubmitted.json, { state: 'submitted' });

    const refused = await instructor.send('POST', `/api/v1/requests/${requestId}/refuse`, {
      reason: 'Pas justifié.',
    });
    // A refusal the workflow turned down would answer 409 with a `state` too: the status tells them apart.
    assert.equal(refused.status, 200, refused.text);
    assert.deepEqual(refused.json, { state: 'validated' });

    const request = await client.get(`/api/v1/requests/${requestId}`);
    assert.equal(request.json.state, 'validated');
    assert.equal(request.json.reopened, false, 'the revision is over');
    assert.equal(request.json.habilitationId, habilitationId, 'the habilitation carries on');
    assert.ok(request.json.allowedCommands.includes('reopen'), 'and can be revised again');
    assert.deepEqual(
      (await habilitationsOf(requestId)).map((h) => [h.id, h.revision, h.status]),
      [[habilitationId, 1, 'active']],
      'the refused revision made no habilitation and ended none',
    );
    const events = (await client.get(`/api/v1/requests/${requestId}/events`)).json as {
      type: string;
      toState: string | null;
      text?: string;
    }[];
    const refusal = events.find((event) => event.type === 'refuse');
    assert.equal(refusal?.toState, 'validated');
    assert.equal(refusal?.text, 'Pas justifié.');
  });

  it('revokes a validated request with a reason, ending its habilitation', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);
    assert.equal(
      (await client.send('POST', `/api/v1/requests/${requestId}/revoke`, { reason: 'x' })).status,
      404,
    );
    assert.equal((await instructor.send('POST', `/api/v1/requests/${requestId}/revoke`, {})).status, 422);
    const revoked = await instructor.send('POST', `/api/v1/requests/${requestId}/revoke`, {
      reason: 'Usage non conforme.',
    });
    assert.equal(revoked.json.state, 'revoked');
    assert.deepEqual(
      (await habilitationsOf(requestId)).map((h) => h.status),
      ['revoked'],
    );
    assert.equal((await client.send('POST', `/api/v1/requests/${requestId}/reopen`)).status, 409);
  });

  it('two approvals racing make one transition and one habilitation', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const first = await signInInstructor(platform);
    const second = await signInStaff(
      platform,
      [{ role: 'instructeur', definition: 'api-entreprise' }],
      'instructrice',
    );
    const answers = await Promise.all([
      first.send('POST', `/api/v1/requests/${requestId}/approve`),
      second.client.send('POST', `/api/v1/requests/${requestId}/approve`),
      first.send('POST', `/api/v1/requests/${requestId}/approve`),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    assert.ok(statuses.includes(200), JSON.stringify(statuses));
    assert.ok(
      statuses.every((status) => status === 200 || status === 409),
      JSON.stringify(statuses),
    );
    assert.equal((await habilitationsOf(requestId)).length, 1);
    const events = await client.get(`/api/v1/requests/${requestId}/events`);
    assert.equal(events.json.filter((e: { type: string }) => e.type === 'approve').length, 1);
  });
});

describe('who sees what', () => {
  it('another organisation, an instructor of another API and a stranger get 404', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const { client: foreign } = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('region-exemple.fr'),
    });
    assert.equal((await foreign.get(`/api/v1/requests/${requestId}`)).status, 404);
    assert.equal((await foreign.send('POST', `/api/v1/requests/${requestId}/archive`)).status, 404);
    assert.equal(
      (await foreign.send('POST', `/api/v1/requests/${requestId}/messages`, { body: 'Bonjour' })).status,
      404,
    );
    const other = await signInStaff(
      platform,
      [{ role: 'instructeur', definition: 'api-particulier' }],
      'autre',
    );
    assert.equal((await other.client.get(`/api/v1/requests/${requestId}`)).status, 404);
    assert.equal((await other.client.send('POST', `/api/v1/requests/${requestId}/approve`)).status, 404);
    const queue = await other.client.get('/api/v1/instruction/requests');
    assert.ok(!queue.json.items.some((item: { request: { id: string } }) => item.request.id === requestId));
    assert.equal((await platform.client().get(`/api/v1/requests/${requestId}`)).status, 401);
    assert.equal((await client.get('/api/v1/instruction/requests')).status, 403);
  });
});

describe('the organisation check after submission', () => {
  it('holds the request for support when the establishment has closed; support releases it', async () => {
    const { client, requestId } = await applicantWithDraft(platform, {
      siret: SIRET.hospital,
      domain: 'chu-exemple.fr',
    });
    platform.directory.closeEstablishment(SIRET.hospital);
    try {
      await fillAndSubmit(client, requestId);
      await eventually(
        async () => {
          const request = await client.get(`/api/v1/requests/${requestId}`);
          return request.json.state === 'pending_support' ? true : undefined;
        },
        15_000,
        'pending_support',
      );
    } finally {
      platform.directory.reset();
    }
    await emailsTo(platform, 'support@sesame.test', { subject: /Demande bloquée/ });
    const instructor = await signInInstructor(platform);
    assert.equal((await instructor.send('POST', `/api/v1/requests/${requestId}/approve`)).status, 409);
    const support = await signInStaff(platform, [{ role: 'support', definition: null }], 'support');
    const held = await support.client.get('/api/v1/instruction/requests?state=submitted');
    assert.equal(held.status, 200, held.text);
    assert.deepEqual(
      held.json.items.map((item: { request: { id: string; state: string } }) => item.request.state),
      held.json.items.map(() => 'pending_support'),
      'support sees only the requests waiting for it',
    );
    assert.ok(held.json.items.some((item: { request: { id: string } }) => item.request.id === requestId));
    const resolved = await support.client.send('POST', `/api/v1/requests/${requestId}/resolve`);
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.json.state, 'submitted');
    assert.equal(
      (await support.client.send('POST', `/api/v1/requests/${requestId}/resolve`)).status,
      404,
      'no longer waiting for support',
    );
  });
});

describe('requests in the organisation’s administration', () => {
  it('submissions and decisions appear in the feed, and the requests export as CSV', async () => {
    const { client, requestId } = await applicantWithDraft(platform, {
      siret: SIRET.department,
      domain: 'loire-exemplaire.fr',
    });
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);
    await instructor.send('POST', `/api/v1/requests/${requestId}/approve`);

    const feed = await client.get(`/api/v1/organisations/${SIRET.department}/events`);
    assert.equal(feed.status, 200, feed.text);
    const types = JSON.stringify(feed.json);
    assert.match(types, /request_submitted/);
    assert.match(types, /request_decided/);

    const csv = await downloadCsv(client, `/api/v1/organisations/${SIRET.department}/requests.csv`);
    assert.equal(csv.status, 200);
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      /attachment; filename="demandes-22450605500017-/,
    );
    const { bom, rows } = parseCsv(csv.text);
    assert.ok(bom, 'a byte-order mark for spreadsheets');
    assert.deepEqual(rows[0]!.slice(0, 4), ['Intitulé', 'API', 'État', 'Version']);
    assert.deepEqual(
      rows.slice(1).map((row) => row.slice(0, 4)),
      [['Pré-remplissage des demandes de subvention', 'API Entreprise', 'Validée', '1']],
    );
    const { client: stranger } = await signUpAndActivate(platform, {
      siret: SIRET.region,
      email: newEmail('region-exemple.fr'),
    });
    assert.equal((await stranger.get(`/api/v1/organisations/${SIRET.department}/requests.csv`)).status, 404);
  });

  it('a draft stays with the organisation when its author is removed', async () => {
    const { client: manager } = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('univ-exemple.fr'),
    });
    const { client: author, activation } = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('univ-exemple.fr'),
    });
    const created = await author.send('POST', '/api/v1/requests', {
      definition: 'api-particulier',
      siret: SIRET.university,
    });
    assert.equal(created.status, 201, created.text);
    await author.send('PATCH', `/api/v1/requests/${created.json.id}`, {
      project: { title: 'Bourses du Crous' },
    });
    const removed = await manager.send(
      'DELETE',
      `/api/v1/organisations/${SIRET.university}/members/${activation.user.id}`,
    );
    assert.equal(removed.status, 204, removed.text);

    assert.equal(
      (await author.get(`/api/v1/requests/${created.json.id}`)).status,
      404,
      'the former member no longer sees it',
    );
    const kept = await manager.get(`/api/v1/requests/${created.json.id}`);
    assert.equal(kept.status, 200);
    assert.equal(kept.json.state, 'draft');
    assert.equal(kept.json.data.project.title, 'Bourses du Crous');
    const saved = await manager.send('PATCH', `/api/v1/requests/${created.json.id}`, {
      project: { description: 'Repris par la gestion.' },
    });
    assert.equal(saved.status, 200, 'the organisation carries on with it');
  });
});
