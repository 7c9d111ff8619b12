import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csrfTokenOf } from './helpers/http-client.ts';
import { DEMO_PASSWORD, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

let platform: TestPlatform;

before(async () => {
  platform = await startTestPlatform({ worker: false });
});
after(async () => {
  await platform.stop();
});

describe('the sign-in page', () => {
  it('is French, styled by the state design system served locally, and protected by a CSP', async () => {
    const page = await platform.client().get('/connexion');
    assert.equal(page.status, 200);
    assert.match(page.text, /<html lang="fr"/);
    assert.match(page.text, /<h1>Se connecter à Sésame<\/h1>/);
    assert.match(page.text, /href="\/dsfr\/dsfr\.min\.css"/);
    assert.match(page.text, /<label class="fr-label" for="email">/);
    assert.match(page.text, /autocomplete="current-password"/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.doesNotMatch(page.text, /https?:\/\/(?!localhost|127\.0\.0\.1)[a-z.]+\/[^"]*\.(css|js)/, 'no CDN');

    const css = await platform.client().get('/dsfr/dsfr.min.css');
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const js = await platform.client().get('/dsfr/dsfr.module.min.js');
    assert.equal(js.status, 200);
  });

  it('signs the demo instructor in and shows the dashboard with a message', async () => {
    const browser = platform.client();
    const form = await browser.get('/connexion');
    const signedIn = await browser.postForm('/connexion', {
      _csrf: csrfTokenOf(form.text),
      email: 'instructeur@sesame.test',
      password: DEMO_PASSWORD,
    });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/tableau-de-bord');

    const dashboard = await browser.get('/tableau-de-bord');
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.text, /<h1>Tableau de bord<\/h1>/);
    assert.match(dashboard.text, /Bonjour Dominique Bernard/);
    assert.match(dashboard.text, /Instructeur/);
    assert.match(dashboard.text, /Vous êtes connecté·e\./);
    assert.match(dashboard.text, /Se déconnecter/);

    const again = await browser.get('/tableau-de-bord');
    assert.doesNotMatch(again.text, /Vous êtes connecté·e\./, 'a message is shown once');
  });

  it('refuses a form without its CSRF token, or with another session’s', async () => {
    const browser = platform.client();
    await browser.get('/connexion');
    const missing = await browser.postForm('/connexion', {
      email: 'admin@sesame.test',
      password: DEMO_PASSWORD,
    });
    assert.equal(missing.status, 403);
    assert.match(missing.text, /Formulaire expiré/);

    const other = platform.client();
    const otherToken = csrfTokenOf((await other.get('/connexion')).text);
    const crossed = await browser.postForm('/connexion', {
      _csrf: otherToken,
      email: 'admin@sesame.test',
      password: DEMO_PASSWORD,
    });
    assert.equal(crossed.status, 403);
    assert.equal((await browser.get('/tableau-de-bord')).status, 302, 'still signed out');
  });

  it('says what is wrong with the fields on the form it goes back to, keeps the email, never the password', async () => {
    const browser = platform.client();
    const token = csrfTokenOf((await browser.get('/connexion')).text);
    // Post/redirect/get: every answer to the form is a redirect, the refusal shown by the page it leads to.
    const back = async (fields: Record<string, string>) => {
      const posted = await browser.postForm('/connexion', fields);
      assert.equal(posted.status, 303, posted.text);
      assert.equal(posted.headers.get('location'), '/connexion');
      return browser.get('/connexion');
    };
    const empty = await back({ _csrf: token, email: '', password: '' });
    assert.equal(empty.status, 422);
    assert.match(empty.text, /Saisissez votre adresse électronique\./);
    assert.match(empty.text, /Saisissez votre mot de passe\./);

    const malformed = await back({ _csrf: token, email: 'pas une adresse', password: 'x' });
    assert.equal(malformed.status, 422);
    assert.match(malformed.text, /L’adresse électronique n’est pas valide\./);

    const wrong = await back({
      _csrf: token,
      email: 'admin@sesame.test',
      password: 'mauvais-mot-de-passe-123',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Adresse électronique ou mot de passe incorrect\./);
    assert.match(wrong.text, /value="admin@sesame\.test"/);
    assert.doesNotMatch(wrong.text, /mauvais-mot-de-passe-123/);
    assert.doesNotMatch((await browser.get('/connexion')).text, /incorrect/, 'a refusal is shown once');
  });

  it('sends back to the requested page after sign-in, but never to another site', async () => {
    const browser = platform.client();
    const guarded = await browser.get('/admin');
    assert.equal(guarded.status, 302);
    assert.equal(guarded.headers.get('location'), '/connexion?retour=%2Fadmin');

    const form = await browser.get('/connexion?retour=%2Fadmin');
    assert.match(form.text, /Veuillez vous connecter pour accéder à cette page\./);
    // A refused attempt goes back to the form with the page to return to.
    const refused = await browser.postForm('/connexion', {
      _csrf: csrfTokenOf(form.text),
      email: 'admin@sesame.test',
      password: 'mauvais-mot-de-passe-123',
      retour: '/admin',
    });
    assert.equal(refused.headers.get('location'), '/connexion?retour=%2Fadmin');
    const again = await browser.get('/connexion?retour=%2Fadmin');
    assert.equal(again.status, 401);
    assert.match(again.text, /name="retour" value="\/admin"/);
    const signedIn = await browser.postForm('/connexion', {
      _csrf: csrfTokenOf(form.text),
      email: 'admin@sesame.test',
      password: DEMO_PASSWORD,
      retour: '/admin',
    });
    assert.equal(signedIn.headers.get('location'), '/admin');

    const other = platform.client();
    const otherForm = await other.get('/connexion');
    const offsite = await other.postForm('/connexion', {
      _csrf: csrfTokenOf(otherForm.text),
      email: 'support@sesame.test',
      password: DEMO_PASSWORD,
      retour: '//malveillant.example/piege',
    });
    assert.equal(offsite.headers.get('location'), '/tableau-de-bord');
  });

  it('signs out with the header button', async () => {
    const browser = platform.client();
    await browser.signInThroughPage('support@sesame.test', DEMO_PASSWORD);
    const dashboard = await browser.get('/tableau-de-bord');
    const signedOut = await browser.postForm('/deconnexion', { _csrf: csrfTokenOf(dashboard.text) });
    assert.equal(signedOut.status, 302);
    assert.equal(signedOut.headers.get('location'), '/connexion');
    const page = await browser.get('/connexion');
    assert.match(page.text, /Vous êtes déconnecté·e\./);
    assert.equal((await browser.get('/tableau-de-bord')).status, 302);
  });
});

describe('other pages', () => {
  it('answer an unknown address with a French 404 page', async () => {
    const page = await platform.client().get('/nulle-part');
    assert.equal(page.status, 404);
    assert.match(page.text, /Page introuvable/);
  });

  it('refuse the administration page to people who are not platform admins', async () => {
    const browser = platform.client();
    await browser.signInThroughPage('instructeur@sesame.test', DEMO_PASSWORD);
    const page = await browser.get('/admin');
    assert.equal(page.status, 403);
    assert.match(page.text, /Accès refusé/);

    const api = platform.client();
    await api.signIn('instructeur@sesame.test', DEMO_PASSWORD);
    const refused = await api.send('POST', '/api/v1/admin/test-email', {});
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error, 'forbidden');
  });

  it('let a platform admin queue a test email, with the recipient checked', async () => {
    const browser = platform.client();
    await browser.signInThroughPage('admin@sesame.test', DEMO_PASSWORD);
    const admin = await browser.get('/admin');
    assert.equal(admin.status, 200);
    assert.match(admin.text, /boîte de réception de développement/);

    const invalid = await browser.postForm('/admin/courriel-de-test', {
      _csrf: csrfTokenOf(admin.text),
      to: 'nimportequoi',
    });
    // Post/redirect/get: the refusal is read on the page the form goes back to, the address typed kept.
    assert.equal(invalid.status, 303);
    assert.equal(invalid.headers.get('location'), '/admin');
    const refused = await browser.get('/admin');
    assert.equal(refused.status, 422);
    assert.match(refused.text, /L’adresse électronique n’est pas valide\./);
    assert.match(refused.text, /value="nimportequoi"/);

    const queued = await browser.postForm('/admin/courriel-de-test', {
      _csrf: csrfTokenOf(admin.text),
      to: 'equipe@exemple.fr',
    });
    assert.equal(queued.status, 303);
    const after = await browser.get('/admin');
    assert.match(after.text, /Le courriel de test a été mis en file d’envoi pour equipe@exemple\.fr\./);
    assert.match(after.text, /equipe@exemple\.fr/);

    const api = platform.client();
    await api.signIn('admin@sesame.test', DEMO_PASSWORD);
    const badApi = await api.send('POST', '/api/v1/admin/test-email', { to: 12 });
    assert.equal(badApi.status, 422);
    assert.equal(badApi.json.errors[0].path, 'to');
  });
});
