import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newEmail, SIRET, signUpAndActivate } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { applicantWithDraft, completeApiEntrepriseForm, fillAndSubmit } from './helpers/requests.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform?.stop();
});

/** A form posted as a browser does, with the page's CSRF token; `extra` may repeat a name. */
async function postStep(client: HttpClient, path: string, fields: [string, string][]) {
  const page = await client.get(path);
  const body = new URLSearchParams([['_csrf', csrfTokenOf(page.text)], ...fields]);
  return client.request('POST', path, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
}

const savedData = async (requestId: string) =>
  (
    await platform.services.db.query<{ data: Record<string, Record<string, unknown>> }>(
      'SELECT data FROM access_requests WHERE id = $1',
      [requestId],
    )
  ).rows[0]!.data;

describe('the applicant’s request pages', () => {
  it('« Mes demandes » answers every query string with a page, filters kept in the form', async () => {
    const { client } = await applicantWithDraft(platform);
    for (const query of [
      '?etat=inconnu',
      '?etat=draft&etat=submitted',
      `?q=${'x'.repeat(5_000)}`,
      '?q=%00&api=%00',
      '?q[a]=b&api[]=c',
      '?api=api-entreprise&etat=draft&q=%C3%A9',
    ]) {
      const page = await client.get(`/demandes${query}`);
      assert.equal(page.status, 200, query);
    }
    const filtered = await client.get('/demandes?etat=draft&api=api-entreprise&q=sans%20titre');
    assert.match(filtered.text, /<option value="draft" selected>Brouillon<\/option>/);
    assert.match(filtered.text, /<option value="api-entreprise" selected>API Entreprise<\/option>/);
    assert.match(filtered.text, /value="sans titre"/);
    assert.match(filtered.text, /1 demande correspondant à votre recherche/);
    const none = await client.get('/demandes?etat=validated');
    assert.match(none.text, /Aucune demande ne correspond à votre recherche/);

    // The same filters in the JSON API, where a filter of the wrong kind is refused.
    const listed = await client.send(
      'GET',
      '/api/v1/requests?state=draft&definition=api-entreprise&q=entreprise',
    );
    assert.equal(listed.status, 200);
    assert.equal(listed.json.length, 1);
    assert.equal((await client.send('GET', '/api/v1/requests?q=cantine')).json.length, 0);
    // One rule for both: what the page ignores, the API refuses.
    for (const query of ['state=inconnu', 'q=%00', `q=${'x'.repeat(201)}`, `definition=${'x'.repeat(65)}`]) {
      const refused = await client.send('GET', `/api/v1/requests?${query}`);
      assert.equal(refused.status, 422, query);
      assert.equal(
        (await client.get(`/demandes?${query.replace('state=', 'etat=').replace('definition=', 'api=')}`))
          .status,
        200,
        query,
      );
    }
  });

  it('a step left with a value of the wrong kind saves the rest, answers 303 and marks the field once', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const path = `/demandes/${requestId}/formulaire/donnees-personnelles`;
    const sent = await postStep(client, path, [
      ['personalData.recipients', 'Agents du service des sports'],
      ['personalData.retentionMonths', 'abc'],
      ['action', 'next'],
    ]);
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get('location'), path);
    assert.equal((await savedData(requestId)).personalData?.recipients, 'Agents du service des sports');
    const shown = await client.get(path);
    assert.match(shown.text, /fr-input-group fr-input-group--error/);
    assert.match(shown.text, /value="abc"/);
    assert.match(shown.text, /Durée de conservation<\/a> : Nombre entier de mois attendu/);
    // Post/redirect/get: the errors were for that one page view.
    assert.doesNotMatch((await client.get(path)).text, /fr-input-group--error/);

    // The same field sent twice, an unknown action: never a 500; saved and back on the step.
    const odd = await postStep(client, path, [
      ['personalData.retentionMonths', '12'],
      ['personalData.retentionMonths', '13'],
      ['action', 'ailleurs'],
    ]);
    assert.equal(odd.status, 303);
    // « Enregistrer » stays on the step without checking it.
    const stay = await postStep(client, `/demandes/${requestId}/formulaire/contacts`, [
      ['contacts.technical.phone', 'abc'],
      ['action', 'stay'],
    ]);
    assert.equal(stay.headers.get('location'), `/demandes/${requestId}/formulaire/contacts`);
    assert.doesNotMatch(
      (await client.get(`/demandes/${requestId}/formulaire/contacts`)).text,
      /fr-input-group--error/,
    );
    // Reached from the summary's link, the step marks the field at once.
    const checked = await client.get(`/demandes/${requestId}/formulaire/contacts?verifier`);
    assert.match(checked.text, /Contact technique, téléphone<\/a> : Numéro de téléphone invalide/);
  });

  it('the autosave keeps what it can and says which field it could not keep', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const path = `/demandes/${requestId}/formulaire/donnees-personnelles`;
    const page = await client.get(path);
    const answer = await client.request('POST', path, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-autosave': '1' },
      body: new URLSearchParams({
        _csrf: csrfTokenOf(page.text),
        'personalData.recipients': 'Agents',
        'personalData.retentionMonths': 'abc',
      }).toString(),
    });
    assert.equal(answer.status, 200);
    assert.ok((answer.json as { unsaved: Record<string, string> }).unsaved['personalData.retentionMonths']);
    assert.equal((await savedData(requestId)).personalData?.recipients, 'Agents');
  });

  it('a request starts from a copy of another, by the page or the API, only for those who write its organisation’s requests', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    await fillAndSubmit(client, requestId);
    const copied = await client.send('POST', `/api/v1/requests/${requestId}/copy`);
    assert.equal(copied.status, 201, copied.text);
    const data = await savedData(copied.json.id);
    assert.deepEqual(data.project, completeApiEntrepriseForm().project);
    assert.equal(data.terms, undefined);
    const state = await client.send('GET', `/api/v1/requests/${copied.json.id}`);
    assert.equal(state.json.state, 'draft');

    const page = await client.get(`/demandes/${requestId}`);
    const fromPage = await client.postForm(`/demandes/${requestId}/copier`, {
      _csrf: csrfTokenOf(page.text),
    });
    assert.equal(fromPage.status, 303);
    assert.match(
      fromPage.headers.get('location') ?? '',
      /^\/demandes\/[0-9a-f-]{36}\/formulaire\/conditions$/,
    );

    const { client: stranger } = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('univ-exemple.fr', 'curieux'),
    });
    assert.equal((await stranger.send('POST', `/api/v1/requests/${requestId}/copy`)).status, 404);
  });

  it('archiving asks for a confirmation, and a submitted request offers none', async () => {
    const { client, requestId } = await applicantWithDraft(platform);
    const confirmation = await client.get(`/demandes/${requestId}/archiver`);
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.text, /Archiver la demande « Demande sans titre » \?/);
    const archived = await client.postForm(`/demandes/${requestId}/archiver`, {
      _csrf: csrfTokenOf(confirmation.text),
    });
    assert.equal(archived.status, 303);
    assert.equal((await client.send('GET', `/api/v1/requests/${requestId}`)).json.state, 'archived');
    // Already archived: the page again, and a second archive is explained, not an error page.
    assert.equal(
      (await client.get(`/demandes/${requestId}/archiver`)).headers.get('location'),
      `/demandes/${requestId}`,
    );
    const again = await client.postForm(`/demandes/${requestId}/archiver`, {
      _csrf: csrfTokenOf(confirmation.text),
    });
    assert.equal(again.status, 303);
    assert.match((await client.get(`/demandes/${requestId}`)).text, /Cette action n’est pas possible/);
  });

  it('a new request refused for an unknown API goes back to the form with the error listed', async () => {
    const { client } = await applicantWithDraft(platform);
    const form = await client.get('/demandes/nouvelle');
    const sent = await client.postForm('/demandes/nouvelle', {
      _csrf: csrfTokenOf(form.text),
      definition: 'inconnue',
      siret: SIRET.commune,
    });
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get('location'), '/demandes/nouvelle');
    const shown = await client.get('/demandes/nouvelle');
    assert.match(shown.text, /data-error-summary/);
    assert.match(shown.text, /API demandée<\/a> : API inconnue/);
  });
});
