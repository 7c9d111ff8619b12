import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { emailsTo } from './helpers/accounts.ts';
import { csrfTokenOf } from './helpers/http-client.ts';
import { submitRequest } from './helpers/habilitations.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import {
  applicantWithDraft,
  completeApiEntrepriseForm,
  completeForm,
  fillAndSubmit,
  samplePdf,
  signInInstructor,
  signInStaff,
  upload,
} from './helpers/requests.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

describe('attachments', () => {
  it('stores a real PDF under a generated name, serves it only as a download, and deletes it while editable', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const stored = await upload(client, requestId, {
      name: '../../délibération 2026.pdf',
      content: samplePdf(),
    });
    assert.equal(stored.status, 201, stored.text);
    assert.match(stored.json.fileName, /^legal-basis-[0-9a-f]{12}\.pdf$/);
    assert.equal(stored.json.originalName, 'délibération 2026.pdf');

    const download = await client.get(`/api/v1/requests/${requestId}/attachments/${stored.json.id}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/pdf');
    assert.equal(
      download.headers.get('content-disposition'),
      `attachment; filename="${stored.json.fileName}"`,
    );
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.match(download.text, /^%PDF-1\.4/);

    // With the PDF, the legal basis needs no URL.
    const form = completeApiEntrepriseForm();
    await client.send('PATCH', `/api/v1/requests/${requestId}`, {
      ...form,
      legalBasis: { nature: form.legalBasis.nature },
    });
    const removable = await upload(
      client,
      requestId,
      { name: 'annexe.pdf', content: samplePdf('annexe') },
      'other',
    );
    assert.equal(
      (await client.send('DELETE', `/api/v1/requests/${requestId}/attachments/${removable.json.id}`)).status,
      204,
    );
    // Deleted once: a second time there is nothing to delete.
    assert.equal(
      (await client.send('DELETE', `/api/v1/requests/${requestId}/attachments/${removable.json.id}`)).status,
      404,
    );
    const timeline = (await client.get(`/api/v1/requests/${requestId}/events`)).json as { type: string }[];
    assert.deepEqual(
      timeline.filter((event) => event.type.startsWith('attachment_')).map((event) => event.type),
      ['attachment_added', 'attachment_added', 'attachment_removed'],
    );
    const submitted = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
    assert.equal(submitted.status, 200, submitted.text);

    const late = await client.send('DELETE', `/api/v1/requests/${requestId}/attachments/${stored.json.id}`);
    assert.equal(late.status, 409);
    const lateUpload = await upload(client, requestId, { name: 'x.pdf', content: samplePdf() });
    assert.equal(lateUpload.status, 409);

    const instructor = await signInInstructor(platform);
    const list = await instructor.get(`/api/v1/requests/${requestId}/attachments`);
    assert.deepEqual(
      list.json.map((file: { originalName: string }) => file.originalName),
      ['délibération 2026.pdf'],
    );
    assert.equal(
      (await instructor.get(`/api/v1/requests/${requestId}/attachments/${stored.json.id}`)).status,
      200,
    );
  });

  it('refuses what is not a PDF, a fake PDF, an oversized file, an unknown kind and a missing file', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const html = await upload(client, requestId, {
      name: 'page.html',
      content: Buffer.from('<html><script>alert(1)</script></html>'),
      type: 'text/html',
    });
    assert.equal(html.status, 422);
    assert.equal(html.json.errors[0].path, 'file');
    const fake = await upload(client, requestId, {
      name: 'deliberation.pdf',
      content: Buffer.from('<html><body>Je ne suis pas un PDF</body></html>'),
    });
    assert.equal(fake.status, 422);
    assert.match(fake.json.errors[0].message, /n’est pas un PDF/);
    const big = Buffer.concat([samplePdf(), Buffer.alloc(10 * 1024 * 1024 + 1, 0x20)]);
    const oversized = await upload(client, requestId, { name: 'gros.pdf', content: big });
    assert.equal(oversized.status, 422);
    assert.match(oversized.json.errors[0].message, /10 Mo/);
    const kind = await upload(client, requestId, { name: 'a.pdf', content: samplePdf() }, 'photo');
    assert.equal(kind.status, 422);
    assert.equal(kind.json.errors[0].path, 'kind');
    const json = await client.send('POST', `/api/v1/requests/${requestId}/attachments`, { kind: 'other' });
    assert.equal(json.status, 422);
    const list = await client.get(`/api/v1/requests/${requestId}/attachments`);
    assert.deepEqual(list.json, []);
  });

  it('another organisation can neither upload nor download', async () => {
    const owner = await applicantWithDraft(platform);
    const stored = await upload(owner.client, owner.requestId, { name: 'a.pdf', content: samplePdf() });
    const other = await applicantWithDraft(platform, {
      siret: '23698651900015',
      domain: 'region-exemple.fr',
    });
    assert.equal(
      (await other.client.get(`/api/v1/requests/${owner.requestId}/attachments/${stored.json.id}`)).status,
      404,
    );
    assert.equal(
      (await upload(other.client, owner.requestId, { name: 'a.pdf', content: samplePdf() })).status,
      404,
    );
    // The attachment id of another request, through one's own request.
    assert.equal(
      (await other.client.get(`/api/v1/requests/${other.requestId}/attachments/${stored.json.id}`)).status,
      404,
    );
  });
});

describe('the instruction side', () => {
  it('a message on a draft never submitted waits in the thread, and the page says so', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const page = await client.get(`/demandes/${requestId}`);
    const sent = await client.postForm(`/demandes/${requestId}/messages`, {
      _csrf: csrfTokenOf(page.text),
      body: 'Une question avant de déposer.',
    });
    assert.equal(sent.status, 303);
    const after = await client.get(`/demandes/${requestId}`);
    assert.match(
      after.text,
      /Votre message est enregistré dans le fil de la demande\. L’équipe d’instruction le lira une fois la demande soumise\./,
    );
    assert.doesNotMatch(after.text, /a été envoyé à l’équipe d’instruction/);
  });

  it('messages go both ways by email; notes and opinions stay on the instruction side', async () => {
    const { client, email, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const instructor = await signInInstructor(platform);

    const question = await instructor.send('POST', `/api/v1/requests/${requestId}/messages`, {
      body: 'Quel service utilisera ces données ?',
    });
    assert.equal(question.status, 201, question.text);
    const [toApplicant] = await emailsTo(platform, email, { subject: /Nouveau message/ });
    assert.match(toApplicant!.text, /Quel service utilisera ces données \?/);
    await client.send('POST', `/api/v1/requests/${requestId}/messages`, { body: 'Le service des sports.' });
    const [toInstructor] = await emailsTo(platform, 'instructeur@sesame.test', {
      subject: /Nouveau message/,
    });
    assert.match(toInstructor!.text, /Le service des sports\./);
    const thread = await client.get(`/api/v1/requests/${requestId}/messages`);
    assert.deepEqual(
      thread.json.map((m: { side: string; body: string }) => [m.side, m.body]),
      [
        ['instruction', 'Quel service utilisera ces données ?'],
        ['organisation', 'Le service des sports.'],
      ],
    );
    assert.equal(
      (await client.send('POST', `/api/v1/requests/${requestId}/messages`, { body: '' })).status,
      422,
    );

    const note = await instructor.send('POST', `/api/v1/requests/${requestId}/notes`, {
      body: 'Vérifier la délibération.',
    });
    assert.equal(note.status, 201);
    assert.equal((await client.get(`/api/v1/requests/${requestId}/notes`)).status, 404);
    assert.equal(
      (await client.send('POST', `/api/v1/requests/${requestId}/notes`, { body: 'x' })).status,
      404,
    );
    const assigned = await instructor.send('POST', `/api/v1/requests/${requestId}/assign`, {});
    assert.equal(assigned.status, 200);
    assert.equal((await client.send('POST', `/api/v1/requests/${requestId}/assign`, {})).status, 404);

    const reporter = await signInStaff(
      platform,
      [{ role: 'rapporteur', definition: 'api-entreprise' }],
      'rapporteur',
    );
    const notAReporter = await instructor.send('POST', `/api/v1/requests/${requestId}/opinions`, {
      reporterId: assigned.json.assigneeId,
      question: 'Avis ?',
    });
    assert.equal(notAReporter.status, 422);
    const asked = await instructor.send('POST', `/api/v1/requests/${requestId}/opinions`, {
      reporterId: reporter.id,
      question: 'Les données demandées sont-elles proportionnées ?',
    });
    assert.equal(asked.status, 201, asked.text);
    await emailsTo(platform, reporter.email, { subject: /Votre avis est demandé/ });
    assert.equal((await reporter.client.send('POST', `/api/v1/requests/${requestId}/approve`)).status, 404);
    const answer = await reporter.client.send('POST', `/api/v1/requests/${requestId}/opinions/answer`, {
      opinionId: asked.json.id,
      answer: 'Oui, favorable.',
    });
    assert.equal(answer.status, 204, answer.text);
    const twice = await reporter.client.send('POST', `/api/v1/requests/${requestId}/opinions/answer`, {
      opinionId: asked.json.id,
      answer: 'Encore.',
    });
    assert.equal(twice.status, 409);
    const opinions = await instructor.get(`/api/v1/requests/${requestId}/opinions`);
    assert.equal(opinions.json[0].answer, 'Oui, favorable.');
    assert.equal((await client.get(`/api/v1/requests/${requestId}/opinions`)).status, 404);

    const applicantTimeline = await client.get(`/api/v1/requests/${requestId}/events`);
    const types = applicantTimeline.json.map((e: { type: string }) => e.type);
    assert.ok(types.includes('message'));
    for (const internal of ['note', 'assigned', 'opinion_requested', 'opinion_given'])
      assert.ok(!types.includes(internal), `${internal} hidden from the organisation`);
    const instructorTimeline = await instructor.get(`/api/v1/requests/${requestId}/events`);
    const all = instructorTimeline.json.map((e: { type: string }) => e.type);
    for (const internal of ['note', 'assigned', 'opinion_requested', 'opinion_given'])
      assert.ok(all.includes(internal));
  });

  it('the queue lists submissions oldest first, filters by state and definition, and searches', async () => {
    const first = await applicantWithDraft(platform);
    await fillAndSubmit(first.client, first.requestId, {
      ...completeApiEntrepriseForm(),
      project: { ...completeApiEntrepriseForm().project, title: 'Guichet des subventions Quetzal' },
    });
    const second = await applicantWithDraft(platform, { siret: '26630335300012', domain: 'chu-exemple.fr' });
    await fillAndSubmit(second.client, second.requestId);
    const instructor = await signInInstructor(platform);

    const queue = await instructor.get('/api/v1/instruction/requests');
    assert.equal(queue.status, 200, queue.text);
    const ids = queue.json.items.map((item: { request: { id: string } }) => item.request.id);
    assert.ok(ids.includes(first.requestId) && ids.includes(second.requestId), 'both are in the queue');
    assert.ok(ids.indexOf(first.requestId) < ids.indexOf(second.requestId), 'oldest first');
    assert.equal(queue.json.items[0].slaDays, 10);
    assert.equal(queue.json.items[0].overdue, false);

    const search = await instructor.get('/api/v1/instruction/requests?q=quetzal');
    assert.deepEqual(
      search.json.items.map((item: { request: { id: string } }) => item.request.id),
      [first.requestId],
    );
    const bySiret = await instructor.get('/api/v1/instruction/requests?q=26630335300012');
    assert.ok(
      bySiret.json.items.every(
        (item: { request: { organisation: { siret: string } } }) =>
          item.request.organisation.siret === '26630335300012',
      ),
    );
    assert.ok(bySiret.json.items.length >= 1);
    const byEmail = await instructor.get(
      `/api/v1/instruction/requests?q=${encodeURIComponent(second.email)}`,
    );
    assert.deepEqual(
      byEmail.json.items.map((item: { request: { id: string } }) => item.request.id),
      [second.requestId],
    );
    // The organisation's name and the applicant's name are searched too (each through its own index).
    const secondRequest = byEmail.json.items[0].request as {
      organisation: { name: string };
      author: { givenName: string; familyName: string };
    };
    const ofQueue = async (q: string) =>
      (await instructor.get(`/api/v1/instruction/requests?q=${encodeURIComponent(q)}`)).json.items.map(
        (item: { request: { id: string } }) => item.request.id,
      );
    assert.ok((await ofQueue(secondRequest.organisation.name)).includes(second.requestId), 'by organisation');
    const authorName = `${secondRequest.author.givenName} ${secondRequest.author.familyName}`;
    assert.ok((await ofQueue(authorName)).includes(second.requestId), 'by applicant name');
    assert.deepEqual(await ofQueue('aucune-demande-ne-porte-ce-nom'), []);

    // Filters, each on a result that holds something: requests of this test only (their titles share a word), in
    // two states and of two definitions.
    const titled = (title: string) => ({
      ...completeApiEntrepriseForm(),
      project: { ...completeApiEntrepriseForm().project, title },
    });
    const entreprise = await applicantWithDraft(platform);
    await fillAndSubmit(entreprise.client, entreprise.requestId, titled('Filtre Tlaloc soumis'));
    const sentBack = await applicantWithDraft(platform);
    await fillAndSubmit(sentBack.client, sentBack.requestId, titled('Filtre Tlaloc à compléter'));
    const changes = await instructor.send('POST', `/api/v1/requests/${sentBack.requestId}/request-changes`, {
      reason: 'Précisez le cadre juridique.',
    });
    assert.equal(changes.status, 200, changes.text);
    const particulierForm = completeForm('api-particulier') as { project: Record<string, unknown> };
    const particulier = await submitRequest(entreprise.client, {
      definition: 'api-particulier',
      form: {
        ...particulierForm,
        project: { ...particulierForm.project, title: 'Filtre Tlaloc particulier' },
      },
    });
    const filtered = async (filters: string) => {
      const answer = await instructor.get(`/api/v1/instruction/requests?q=tlaloc&${filters}`);
      assert.equal(answer.status, 200, answer.text);
      return (answer.json.items as { request: { id: string; state: string; definition: string } }[]).map(
        (item) => item.request,
      );
    };
    const idsOf = (requests: { id: string }[]) => requests.map((request) => request.id).sort();
    assert.deepEqual(
      idsOf(await filtered('')),
      [entreprise.requestId, particulier].sort(),
      'by default, the submitted ones',
    );
    assert.deepEqual(idsOf(await filtered('state=changes_requested')), [sentBack.requestId]);
    assert.deepEqual(idsOf(await filtered('definition=api-particulier')), [particulier]);
    assert.deepEqual(idsOf(await filtered('state=submitted&definition=api-entreprise')), [
      entreprise.requestId,
    ]);
    assert.deepEqual(await filtered('state=changes_requested&definition=api-particulier'), []);
    // Without the search too, every item answers the filter.
    const sentBackQueue = await instructor.get('/api/v1/instruction/requests?state=changes_requested');
    const sentBackItems = sentBackQueue.json.items as { request: { id: string; state: string } }[];
    assert.ok(sentBackItems.some((item) => item.request.id === sentBack.requestId));
    assert.ok(sentBackItems.every((item) => item.request.state === 'changes_requested'));

    const bad = await instructor.get('/api/v1/instruction/requests?state=perdu&page=0');
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.json.errors.map((e: { path: string }) => e.path),
      ['state', 'page'],
    );
  });
});
