import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { csrfTokenOf, type HttpAnswer, type HttpClient } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform();
});
after(async () => {
  await platform.stop();
});

/** Post/redirect/get: a form answers with a redirect, and the page it leads to shows the outcome. */
async function followed(browser: HttpClient, posted: HttpAnswer): Promise<HttpAnswer> {
  assert.equal(posted.status, 303, posted.text);
  return browser.get(posted.headers.get('location')!);
}

async function signUpForm() {
  const browser = platform.client();
  const page = await browser.get('/inscription');
  assert.equal(page.status, 200);
  return { browser, token: csrfTokenOf(page.text) };
}

describe('the sign-up page', () => {
  it('lists every faulty field, keeps what was typed (but never the password)', async () => {
    const { browser, token } = await signUpForm();
    const answer = await followed(
      browser,
      await browser.postForm('/inscription', {
        _csrf: token,
        givenName: 'Sam',
        familyName: '',
        email: 'sam@',
        password: 'court',
        siret: '12345',
      }),
    );
    assert.equal(answer.status, 422);
    assert.match(answer.text, /Le formulaire contient 4 erreurs/);
    assert.match(answer.text, /Le nom est obligatoire\./);
    assert.match(answer.text, /L’adresse électronique n’est pas valide\./);
    assert.match(answer.text, /au moins 12 caractères/);
    assert.match(answer.text, /14 chiffres\./);
    assert.match(answer.text, /value="Sam"/);
    assert.doesNotMatch(answer.text, /value="court"/);
  });

  it('says the directory is unavailable, keeps the form, and creates nothing', async () => {
    const { browser, token } = await signUpForm();
    const email = newEmail('saint-exemple.fr');
    platform.directory.failNext(10, 500);
    const posted = await browser.postForm('/inscription', {
      _csrf: token,
      givenName: 'Sam',
      familyName: 'Durand',
      email,
      password: GOOD_PASSWORD,
      siret: SIRET.commune,
    });
    platform.directory.reset();
    const answer = await followed(browser, posted);
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('retry-after'), '60');
    assert.match(answer.text, /Sirene\) ne répond pas/);
    assert.match(answer.text, /value="Durand"/);
    const { rows } = await platform.services.db.query(
      'SELECT count(*)::int AS n FROM users WHERE email = $1',
      [email],
    );
    assert.equal(rows[0].n, 0);
  });

  it('refuses a form without its CSRF token', async () => {
    const answer = await platform.client().postForm('/inscription', { givenName: 'X' });
    assert.equal(answer.status, 403);
  });

  it('sends to the "check your mailbox" page, whose resend form answers the same for any address', async () => {
    const { browser, token } = await signUpForm();
    const created = await browser.postForm('/inscription', {
      _csrf: token,
      givenName: 'Sam',
      familyName: 'Durand',
      email: newEmail('saint-exemple.fr'),
      password: GOOD_PASSWORD,
      siret: SIRET.commune,
    });
    assert.equal(created.status, 303);
    assert.equal(created.headers.get('location'), '/inscription/verifiez-votre-messagerie');
    const page = await browser.get('/inscription/verifiez-votre-messagerie');
    const resent = await browser.postForm('/activation/renvoyer', {
      _csrf: csrfTokenOf(page.text),
      email: 'inconnu@exemple.fr',
    });
    assert.equal(resent.status, 303);
    assert.match(
      (await browser.get('/inscription/verifiez-votre-messagerie')).text,
      /Si cette adresse a un compte en attente/,
    );
    const invalid = await followed(
      browser,
      await browser.postForm('/activation/renvoyer', { _csrf: csrfTokenOf(page.text), email: 'nope' }),
    );
    assert.equal(invalid.status, 422);
    assert.match(invalid.text, /L’adresse électronique n’est pas valide\./);
    assert.match(invalid.text, /value="nope"/);
    const empty = await followed(
      browser,
      await browser.postForm('/activation/renvoyer', { _csrf: csrfTokenOf(page.text), email: '' }),
    );
    assert.match(empty.text, /Saisissez votre adresse électronique\./, 'an empty field is asked for');
    assert.doesNotMatch(empty.text, /n’est pas valide/);
  });

  it('answers unknown activation and reset links with a French page', async () => {
    const unknown = await platform.client().get(`/activation/${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /Ce lien d’activation n’est pas valide/);
    const malformed = await platform.client().get('/mot-de-passe/reinitialiser/abc');
    assert.equal(malformed.status, 404);
    assert.match(malformed.text, /Ce lien de réinitialisation n’est pas valide/);
  });
});

describe('the support queue page', () => {
  it('lets support approve or reject, with the message required for a refusal', async () => {
    await signUpAndActivate(platform, { siret: SIRET.university, email: newEmail('univ-fictiville.fr') });
    const first = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('exterieur.fr', 'un'),
    });
    const second = await signUpAndActivate(platform, {
      siret: SIRET.university,
      email: newEmail('exterieur.fr', 'deux'),
    });

    const support = platform.client();
    await support.signInThroughPage('support@sesame.test', DEMO_PASSWORD);
    const queue = await support.get('/support/rattachements');
    assert.equal(queue.status, 200);
    assert.match(queue.text, new RegExp(first.email.replace(/\./g, '\\.')));
    assert.match(queue.text, /univ-fictiville\.fr/);
    // The dashboard counts the same queue, with a count of its own rather than the queue loaded.
    const waiting = (queue.text.match(/\/support\/rattachements\/[0-9a-f-]{36}\/valider/g) ?? []).length;
    const dashboard = await support.get('/tableau-de-bord');
    assert.match(dashboard.text, new RegExp(`${waiting} en attente`));
    const idOf = (email: string) => {
      const pending = new RegExp(
        `${email.replace(/\./g, '\\.')}[\\s\\S]*?/support/rattachements/([0-9a-f-]{36})/valider`,
      ).exec(queue.text);
      assert.ok(pending, `a form for ${email}`);
      return pending[1]!;
    };
    const token = csrfTokenOf(queue.text);

    const noMessage = await support.postForm(`/support/rattachements/${idOf(second.email)}/refuser`, {
      _csrf: token,
      message: '',
    });
    assert.equal(noMessage.status, 303);
    assert.match((await support.get('/support/rattachements')).text, /Expliquez le refus/);

    const approved = await support.postForm(`/support/rattachements/${idOf(first.email)}/valider`, {
      _csrf: token,
      message: '',
    });
    assert.equal(approved.status, 303);
    const rejected = await support.postForm(`/support/rattachements/${idOf(second.email)}/refuser`, {
      _csrf: token,
      message: 'Merci de passer par votre référent.',
    });
    assert.equal(rejected.status, 303);
    const after = await support.get('/support/rattachements');
    assert.match(after.text, /Le rattachement est refusé/);
    assert.doesNotMatch(after.text, new RegExp(first.email.replace(/\./g, '\\.')));

    const instructor = platform.client();
    await instructor.signIn('instructeur@sesame.test', DEMO_PASSWORD);
    assert.equal((await instructor.get('/support/rattachements')).status, 403);
  });
});
