import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, eventually, startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { approve } from './helpers/habilitations.ts';
import {
  applicantWithDraft,
  completeApiEntrepriseForm,
  fillAndSubmit,
  samplePdf,
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

async function instructorThroughPages(): Promise<HttpClient> {
  const browser = platform.client();
  const signedIn = await browser.signInThroughPage('instructeur@sesame.test', DEMO_PASSWORD);
  assert.equal(signedIn.status, 303, signedIn.text);
  return browser;
}

/** Posts a form of the request page with the page's CSRF token, as the browser would. */
async function submitForm(browser: HttpClient, requestId: string, action: string, fields = {}) {
  const page = await browser.get(`/instruction/demandes/${requestId}`);
  assert.equal(page.status, 200, page.text);
  return browser.postForm(`/instruction/demandes/${requestId}/${action}`, {
    _csrf: csrfTokenOf(page.text),
    ...fields,
  });
}

const habilitationScopes = async (requestId: string) =>
  (
    await platform.services.db.query<{ scopes: string[] }>(
      `SELECT scopes FROM habilitations WHERE request_id = $1`,
      [requestId],
    )
  ).rows[0]?.scopes;

describe('instruction pages', () => {
  it('an instructor finds a request, asks for changes, sees what changed, writes a note and approves fewer scopes', async () => {
    const applicant = await applicantWithDraft(platform);
    const { requestId } = applicant;
    await upload(applicant.client, requestId, { name: 'délibération.pdf', content: samplePdf() });
    await fillAndSubmit(applicant.client, requestId);
    const browser = await instructorThroughPages();

    // The queue, and its search.
    const queue = await browser.get('/instruction');
    assert.equal(queue.status, 200, queue.text);
    assert.match(queue.text, new RegExp(`href="/instruction/demandes/${requestId}"`));
    assert.match(queue.text, /Pré-remplissage des demandes de subvention/);
    const bySiret = await browser.get(`/instruction?q=${SIRET.commune}`);
    assert.match(bySiret.text, new RegExp(requestId));
    const nonsense = await browser.get('/instruction?q=zzz-aucune-demande-zzz');
    assert.equal(nonsense.status, 200);
    assert.doesNotMatch(nonsense.text, new RegExp(requestId));
    assert.match(nonsense.text, /Aucune demande ne correspond/);
    const bad = await browser.get('/instruction?state=perdu&page=0');
    assert.equal(bad.status, 422);
    assert.match(bad.text, /État inconnu/);
    assert.match(bad.text, /Les pages commencent à 1/);

    // The request page: organisation, form data, scopes with their labels, attachments.
    const page = await browser.get(`/instruction/demandes/${requestId}`);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, new RegExp(`SIRET ${SIRET.commune}`));
    assert.match(page.text, /Éligible/);
    assert.match(page.text, /Délibération du conseil municipal n° 2026-42/);
    assert.match(page.text, /href="https:\/\/www\.saint-exemple\.fr\/deliberations\/2026-42"/);
    assert.match(page.text, /Hélène/);
    assert.match(page.text, /Lefèvre/);
    assert.match(page.text, /Délégué·e à la protection des données/);
    assert.match(page.text, /Unités légales et établissements \(Insee\)/);
    assert.match(page.text, /Informations et documents des associations/);
    assert.match(page.text, /Première soumission/);
    const download = /href="(\/api\/v1\/requests\/[^"]+\/attachments\/[^"]+)"/.exec(page.text);
    assert.ok(download, 'a download link for the attachment');
    assert.equal((await browser.get(download[1]!)).status, 200);
    assert.match(page.text, /a soumis la demande\./);

    // Request changes: without a reason, back to the form (post/redirect/get), which says what is missing; with
    // one, the state changes.
    const missing = await submitForm(browser, requestId, 'demander-modifications', { reason: '  ' });
    assert.equal(missing.status, 303);
    assert.equal(
      missing.headers.get('location'),
      `/instruction/demandes/${requestId}#decision-modifications`,
    );
    const refused = await browser.get(`/instruction/demandes/${requestId}`);
    assert.equal(refused.status, 200);
    assert.match(refused.text, /id="motif-modifications-erreur">Indiquez le motif/);
    assert.match(refused.text, /fr-input-group--error/);
    const again = await browser.get(`/instruction/demandes/${requestId}`);
    assert.doesNotMatch(again.text, /Indiquez le motif/, 'the error is shown once');
    const asked = await submitForm(browser, requestId, 'demander-modifications', {
      reason: 'Précisez les agents destinataires des données.',
    });
    assert.equal(asked.status, 303, asked.text);
    assert.equal(asked.headers.get('location'), `/instruction/demandes/${requestId}`);
    const afterChanges = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(afterChanges.text, /Les modifications sont demandées/);
    assert.match(afterChanges.text, /Modifications demandées/);
    assert.match(afterChanges.text, /Précisez les agents destinataires des données\./);

    // The applicant resubmits with one field changed.
    const form = completeApiEntrepriseForm();
    await fillAndSubmit(applicant.client, requestId, {
      ...form,
      personalData: { ...form.personalData, recipients: 'Agents instructeurs du service des subventions' },
    });
    const resubmitted = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(resubmitted.text, /Soumission n° 2 comparée à la soumission n° 1/);
    assert.match(resubmitted.text, /Données personnelles — Destinataires</);
    assert.match(resubmitted.text, /<dd>n° 2, le /);
    assert.doesNotMatch(resubmitted.text, /Révision/);
    assert.match(resubmitted.text, /Agents du service des sports et de la vie associative/);
    assert.match(resubmitted.text, /Agents instructeurs du service des subventions/);

    // An internal note stays on the instruction side.
    const noteText = 'Vérifier la délibération du 12 mars avec la préfecture.';
    const note = await submitForm(browser, requestId, 'notes', { body: noteText });
    assert.equal(note.status, 303);
    assert.match((await browser.get(`/instruction/demandes/${requestId}`)).text, new RegExp(noteText));
    assert.equal((await applicant.client.get(`/api/v1/requests/${requestId}/notes`)).status, 404);
    const applicantEvents = await applicant.client.get(`/api/v1/requests/${requestId}/events`);
    assert.equal(applicantEvents.status, 200);
    assert.doesNotMatch(applicantEvents.text, /12 mars/);
    assert.ok(!applicantEvents.json.some((event: { type: string }) => event.type === 'note'));
    assert.doesNotMatch((await applicant.client.get(`/api/v1/requests/${requestId}`)).text, /12 mars/);

    // Approve: nothing ticked is refused, then one of the two requested scopes. The form says that it showed
    // the scopes (unticked boxes are not sent), as the browser would send it.
    assert.match((await browser.get(`/instruction/demandes/${requestId}`)).text, /name="grantChosen"/);
    const none = await submitForm(browser, requestId, 'valider', { grantChosen: '1' });
    assert.equal(none.status, 303);
    const noneShown = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(noneShown.text, /Accordez au moins une donnée/);
    assert.doesNotMatch(noneShown.text, /id="accorder-unites_legales_etablissements" value="[^"]+" checked/);
    const approved = await submitForm(browser, requestId, 'valider', {
      grantChosen: '1',
      scopes: 'unites_legales_etablissements',
    });
    assert.equal(approved.status, 303, approved.text);
    const validated = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(validated.text, /La demande est validée/);
    assert.match(validated.text, /fr-badge--success">Validée/);
    assert.match(validated.text, /Révoquer l’habilitation/);
    assert.equal((await applicant.client.get(`/api/v1/requests/${requestId}`)).json.state, 'validated');
    const scopes = await eventually(() => habilitationScopes(requestId), 20_000, 'the habilitation');
    assert.deepEqual(scopes, ['unites_legales_etablissements']);

    // A decision the state no longer allows says so and changes nothing.
    const late = await browser.postForm(`/instruction/demandes/${requestId}/refuser`, {
      _csrf: csrfTokenOf(validated.text),
      reason: 'Trop tard.',
    });
    assert.equal(late.status, 303);
    const explained = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(explained.text, /la demande est à l’état « Validée »/);
    assert.equal((await applicant.client.get(`/api/v1/requests/${requestId}`)).json.state, 'validated');
  });

  it('messages, assignment and a reporter’s opinion, answered on the same page', async () => {
    const applicant = await applicantWithDraft(platform);
    await fillAndSubmit(applicant.client, applicant.requestId);
    const { requestId } = applicant;
    const browser = await instructorThroughPages();
    const reporter = await signInStaff(
      platform,
      [{ role: 'rapporteur', definition: 'api-entreprise' }],
      'rapporteur',
    );

    const empty = await submitForm(browser, requestId, 'messages', { body: '' });
    assert.equal(empty.status, 303);
    assert.equal(empty.headers.get('location'), `/instruction/demandes/${requestId}#form-message`);
    assert.match(
      (await browser.get(`/instruction/demandes/${requestId}`)).text,
      /id="message-erreur">Écrivez un message/,
    );
    assert.equal(
      (await submitForm(browser, requestId, 'messages', { body: 'Quel service utilisera ces données ?' }))
        .status,
      303,
    );
    const thread = await applicant.client.get(`/api/v1/requests/${requestId}/messages`);
    assert.deepEqual(
      thread.json.map((message: { body: string }) => message.body),
      ['Quel service utilisera ces données ?'],
    );

    assert.equal((await submitForm(browser, requestId, 'attribution', { assign: 'true' })).status, 303);
    const assigned = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(assigned.text, /La demande vous est attribuée/);
    assert.match(assigned.text, /Me retirer/);

    const noQuestion = await submitForm(browser, requestId, 'avis', {
      reporterId: reporter.id,
      question: '',
    });
    assert.equal(noQuestion.status, 303);
    const askedAgain = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(askedAgain.text, /Posez votre question/);
    assert.match(
      askedAgain.text,
      new RegExp(`value="${reporter.id}" selected`),
      'the chosen reporter is kept',
    );
    assert.equal(
      (
        await submitForm(browser, requestId, 'avis', {
          reporterId: reporter.id,
          question: 'Les données demandées sont-elles proportionnées ?',
        })
      ).status,
      303,
    );

    // The reporter reads everything, decides nothing, and answers the opinion asked of them.
    const reporterView = await reporter.client.get(`/instruction/demandes/${requestId}`);
    assert.equal(reporterView.status, 200, reporterView.text);
    assert.match(reporterView.text, /Consultation seule/);
    assert.match(reporterView.text, /Quel service utilisera ces données \?/);
    assert.doesNotMatch(reporterView.text, /action="[^"]*\/valider"/);
    assert.doesNotMatch(reporterView.text, /action="[^"]*\/notes"/);
    const opinionId = /name="opinionId" value="([^"]+)"/.exec(reporterView.text)?.[1];
    assert.ok(opinionId, 'an answer form for the reporter');
    const answered = await reporter.client.postForm(`/instruction/demandes/${requestId}/avis/reponse`, {
      _csrf: csrfTokenOf(reporterView.text),
      opinionId,
      answer: 'Oui, favorable.',
    });
    assert.equal(answered.status, 303);
    const twice = await reporter.client.postForm(`/instruction/demandes/${requestId}/avis/reponse`, {
      _csrf: csrfTokenOf(reporterView.text),
      opinionId,
      answer: 'Encore.',
    });
    assert.equal(twice.status, 303);
    assert.match(
      (await reporter.client.get(`/instruction/demandes/${requestId}`)).text,
      /Vous avez déjà donné cet avis/,
    );
    // A tampered form whose error has no field on the page is still told, at the top.
    const bogus = await reporter.client.postForm(`/instruction/demandes/${requestId}/avis/reponse`, {
      _csrf: csrfTokenOf(reporterView.text),
      opinionId: 'pas-un-avis',
      answer: 'Oui.',
    });
    assert.equal(bogus.status, 303);
    assert.equal(bogus.headers.get('location'), `/instruction/demandes/${requestId}#avis`);
    assert.match(
      (await reporter.client.get(`/instruction/demandes/${requestId}`)).text,
      /L’action n’a pas été enregistrée<\/h2>\s*<ul>\s*<li>Identifiant d’avis invalide\./,
    );
    assert.equal(
      (
        await reporter.client.postForm(`/instruction/demandes/${requestId}/valider`, {
          _csrf: csrfTokenOf(reporterView.text),
        })
      ).status,
      404,
    );

    const instructorView = await browser.get(`/instruction/demandes/${requestId}`);
    assert.match(instructorView.text, /Oui, favorable\./);
    assert.match(instructorView.text, /s’est attribué la demande\./);
    assert.match(instructorView.text, /a demandé l’avis d’Alix rapporteur\./);
  });

  it('revoking asks for confirmation, with the reason written on the confirmation page', async () => {
    const applicant = await applicantWithDraft(platform);
    await fillAndSubmit(applicant.client, applicant.requestId);
    const { requestId } = applicant;
    await approve(platform, requestId);
    const browser = await instructorThroughPages();
    const path = `/instruction/demandes/${requestId}`;

    // The request page offers no one-click revocation: a link to a page that says what stops.
    const page = await browser.get(path);
    assert.match(page.text, new RegExp(`href="${path}/revoquer"`));
    assert.doesNotMatch(page.text, new RegExp(`action="${path}/revoquer"`));
    const confirmation = await browser.get(`${path}/revoquer`);
    assert.equal(confirmation.status, 200, confirmation.text);
    assert.match(confirmation.text, /Cette action est définitive/);
    assert.match(confirmation.text, /perd immédiatement son accès à l’API Entreprise/);
    assert.match(confirmation.text, /Motif de la révocation \(obligatoire\)/);

    // Without a reason: back to the confirmation page, the field marked; nothing revoked.
    const missing = await browser.postForm(`${path}/revoquer`, {
      _csrf: csrfTokenOf(confirmation.text),
      reason: '',
    });
    assert.equal(missing.status, 303);
    assert.equal(missing.headers.get('location'), `${path}/revoquer`);
    const marked = await browser.get(`${path}/revoquer`);
    assert.match(marked.text, /id="motif-revocation-erreur">Indiquez le motif/);
    assert.equal((await applicant.client.get(`/api/v1/requests/${requestId}`)).json.state, 'validated');

    const revoked = await browser.postForm(`${path}/revoquer`, {
      _csrf: csrfTokenOf(marked.text),
      reason: 'Usage non conforme aux conditions générales.',
    });
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers.get('location'), path);
    const after = await browser.get(path);
    assert.match(after.text, /L’habilitation est révoquée/);
    assert.match(after.text, /a révoqué l’habilitation\./);
    assert.match(after.text, /Usage non conforme aux conditions générales\./);
    assert.equal((await applicant.client.get(`/api/v1/requests/${requestId}`)).json.state, 'revoked');

    // Once revoked, the confirmation page sends back to the request, saying why.
    const late = await browser.get(`${path}/revoquer`);
    assert.equal(late.status, 303);
    assert.match(
      (await browser.get(path)).text,
      /ne peut pas être révoquée : la demande est à l’état « Révoquée »/,
    );

    // A reporter sees the request but revokes nothing: the page does not exist for them.
    const reporter = await signInStaff(
      platform,
      [{ role: 'rapporteur', definition: 'api-entreprise' }],
      'lecteur',
    );
    assert.equal((await reporter.client.get(`${path}/revoquer`)).status, 404);
  });

  it('the queue says what it holds for a platform admin, for support, and when nothing waits', async () => {
    const admin = platform.client();
    await admin.signInThroughPage('admin@sesame.test', DEMO_PASSWORD);
    const adminQueue = await admin.get('/instruction');
    assert.equal(adminQueue.status, 200, adminQueue.text);
    assert.match(adminQueue.text, /Vous consultez cette file en tant qu’administrateur·rice/);

    const instructor = await instructorThroughPages();
    const instructorQueue = await instructor.get('/instruction');
    assert.doesNotMatch(instructorQueue.text, /en tant qu’administrateur·rice/);
    const nothing = await instructor.get('/instruction?definition=api-entreprise&q=zzz-rien-zzz');
    assert.match(nothing.text, /Aucune demande ne correspond à ces critères/);

    // An instructor of one API whose queue is empty is told what will appear there.
    const chorus = await signInStaff(platform, [{ role: 'instructeur', definition: 'chorus-pro' }], 'chorus');
    const empty = await chorus.client.get('/instruction');
    assert.equal(empty.status, 200, empty.text);
    assert.match(empty.text, /Aucune demande n’attend d’instruction/);
    assert.match(empty.text, /Une demande apparaît ici dès qu’une organisation la soumet/);
    assert.doesNotMatch(empty.text, /<option value="api-entreprise"/);

    const support = platform.client();
    await support.signInThroughPage('support@sesame.test', DEMO_PASSWORD);
    const supportQueue = await support.get('/instruction?state=validated');
    assert.equal(supportQueue.status, 200, supportQueue.text);
    assert.match(supportQueue.text, /<h1>Demandes en attente du support<\/h1>/);
    assert.doesNotMatch(supportQueue.text, /id="filtre-etat"/);
    assert.match(supportQueue.text, /<option value="api-entreprise"/, 'support filters by any API');
  });

  it('support unblocks a request held after the organisation check, from the same page', async () => {
    const { client, requestId } = await applicantWithDraft(platform, {
      siret: SIRET.hospital,
      domain: 'chu-exemple.fr',
    });
    platform.directory.closeEstablishment(SIRET.hospital);
    try {
      await fillAndSubmit(client, requestId);
      await eventually(async () => {
        const request = await client.get(`/api/v1/requests/${requestId}`);
        return request.json.state === 'pending_support' ? true : undefined;
      });
    } finally {
      platform.directory.reset();
    }
    const support = platform.client();
    await support.signInThroughPage('support@sesame.test', DEMO_PASSWORD);
    const page = await support.get(`/instruction/demandes/${requestId}`);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /En attente du support/);
    assert.match(page.text, /href="\/instruction">Retour aux demandes en attente du support/);
    assert.match(page.text, /l’établissement est fermé selon le répertoire Sirene/);
    assert.doesNotMatch(page.text, /action="[^"]*\/valider"/);
    assert.doesNotMatch(page.text, /Notes internes/);
    const resolved = await support.postForm(`/instruction/demandes/${requestId}/debloquer`, {
      _csrf: csrfTokenOf(page.text),
    });
    assert.equal(resolved.status, 303);
    assert.equal(resolved.headers.get('location'), '/tableau-de-bord');
    assert.match((await support.get('/tableau-de-bord')).text, /Le blocage est levé/);
    assert.equal((await support.get(`/instruction/demandes/${requestId}`)).status, 404);

    const instructor = await instructorThroughPages();
    const instructorView = await instructor.get(`/instruction/demandes/${requestId}`);
    assert.match(instructorView.text, /Sésame<\/strong> a mis la demande en attente du support/);
    assert.match(instructorView.text, /a levé le blocage : la demande est de nouveau à instruire\./);
    assert.match(instructorView.text, /action="[^"]*\/valider"/);
  });

  it('is closed to people outside instruction', async () => {
    const owner = await applicantWithDraft(platform);
    await fillAndSubmit(owner.client, owner.requestId);
    const other = await applicantWithDraft(platform, { siret: SIRET.region, domain: 'region-exemple.fr' });

    assert.equal((await other.client.get(`/instruction/demandes/${owner.requestId}`)).status, 404);
    assert.equal((await owner.client.get(`/instruction/demandes/${owner.requestId}`)).status, 404);
    const queue = await owner.client.get('/instruction');
    assert.equal(queue.status, 403);
    assert.match(queue.text, /Accès refusé/);

    const browser = await instructorThroughPages();
    assert.equal((await browser.get('/instruction/demandes/pas-un-identifiant')).status, 404);
    assert.equal(
      (await browser.get('/instruction/demandes/00000000-0000-4000-8000-000000000000')).status,
      404,
    );
    const anonymous = await platform.client().get(`/instruction/demandes/${owner.requestId}`);
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /^\/connexion/);
  });
});
