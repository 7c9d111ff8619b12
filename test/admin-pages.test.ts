import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { approvedRequest } from './helpers/habilitations.ts';
import { csrfTokenOf, type HttpClient } from './helpers/http-client.ts';
import { createPerson, type Person } from './helpers/people.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { signInStaff } from './helpers/requests.ts';

let platform: TestPlatform;
let admin: { client: HttpClient; id: string; email: string };
let applicant: { client: HttpClient; email: string };
let person: Person;

const PAGES = [
  '/admin',
  '/admin/utilisateurs',
  '/admin/organisations',
  '/admin/habilitations',
  '/admin/roles',
];

before(async () => {
  platform = await startTestPlatform();
  admin = await signInStaff(platform, [{ role: 'admin', definition: null }], 'admin-pages');
  applicant = await signUpAndActivate(platform, {
    siret: SIRET.commune,
    email: newEmail('saint-exemple.fr'),
  });
  await approvedRequest(platform, applicant.client, { definition: 'api-entreprise' });
  person = await createPerson(platform, { givenName: 'Maëlle', familyName: 'Quintard' });
});
after(async () => {
  await platform?.stop();
});

/** A form of a page as the browser sends it: urlencoded, with the page's CSRF token. */
async function postForm(client: HttpClient, page: string, action: string, fields: Record<string, string>) {
  const form = await client.get(page);
  assert.equal(form.status, 200, form.text);
  return client.request('POST', action, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfTokenOf(form.text), ...fields }).toString(),
  });
}

describe('who reaches the administration', () => {
  it('refuses every admin page and route to an applicant and to an instructor, as the email page always has', async () => {
    const instructor = await signInStaff(platform, [{ role: 'instructeur', definition: 'api-entreprise' }]);
    for (const client of [applicant.client, instructor.client]) {
      for (const page of [
        ...PAGES,
        '/admin/roles/retrait?personne=00000000-0000-4000-8000-000000000000&role=admin',
      ])
        assert.equal((await client.get(page)).status, 403, page);
      for (const path of [
        '/admin/users',
        '/admin/organisations',
        '/admin/habilitations',
        '/admin/staff-roles',
      ])
        assert.equal((await client.get(`/api/v1${path}`)).status, 403, path);
      const grant = await client.send('POST', '/api/v1/admin/staff-roles', {
        email: applicant.email,
        role: 'admin',
      });
      assert.equal(grant.status, 403);
      const roles = await platform.services.db.query(
        `SELECT 1 FROM staff_roles r JOIN users u ON u.id = r.user_id WHERE u.email = $1`,
        [applicant.email],
      );
      assert.equal(roles.rowCount, 0, 'nothing was granted');
    }
  });

  it('sends an anonymous visitor to sign in', async () => {
    const answer = await platform.client().get('/admin/utilisateurs');
    assert.equal(answer.status, 302);
    assert.match(answer.headers.get('location') ?? '', /^\/connexion\?retour=/);
  });
});

describe('searching as a platform admin', () => {
  it('finds people by name or address, organisations by SIRET, habilitations by organisation and API', async () => {
    const byName = await admin.client.get('/api/v1/admin/users?q=maëlle quin');
    assert.equal(byName.status, 200, byName.text);
    assert.deepEqual(
      byName.json.items.map((user: { email: string }) => user.email),
      [person.email],
    );
    const byEmail = await admin.client.get(`/api/v1/admin/users?q=${encodeURIComponent(applicant.email)}`);
    assert.equal(byEmail.json.items[0].organisations[0].siret, SIRET.commune);
    assert.deepEqual(byEmail.json.items[0].organisations[0].roles, ['gestionnaire_principal']);

    const organisations = await admin.client.get(`/api/v1/admin/organisations?q=${SIRET.commune}`);
    assert.equal(organisations.json.total, 1);
    assert.equal(organisations.json.items[0].members, 1);
    assert.equal(organisations.json.items[0].requests, 1);
    assert.equal(organisations.json.items[0].activeHabilitations, 1);

    const habilitations = await admin.client.get(
      `/api/v1/admin/habilitations?q=${SIRET.commune}&definition=api-entreprise&status=active`,
    );
    assert.equal(habilitations.json.total, 1);
    const none = await admin.client.get(
      `/api/v1/admin/habilitations?q=${SIRET.commune}&definition=api-particulier`,
    );
    assert.equal(none.json.total, 0);

    const page = await admin.client.get(`/admin/utilisateurs?q=${encodeURIComponent('Quintard')}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Maëlle Quintard/);
    assert.doesNotMatch(page.text, new RegExp(applicant.email));
  });

  it('pages long lists, 25 at a time, keeping the search in the page links', async () => {
    await platform.services.db.query(
      `INSERT INTO users (email, given_name, family_name, password_hash, status)
       SELECT 'paginee-' || n || '@exemple-public.fr', 'Agnès', 'Paginée ' || lpad(n::text, 2, '0'), 'x', 'active'
         FROM generate_series(1, 30) AS n`,
    );
    const first = await admin.client.get('/api/v1/admin/users?q=paginée');
    assert.equal(first.json.total, 30);
    assert.equal(first.json.items.length, 25);
    const second = await admin.client.get('/api/v1/admin/users?q=paginée&page=2');
    assert.deepEqual(
      second.json.items.map((user: { familyName: string }) => user.familyName),
      ['Paginée 26', 'Paginée 27', 'Paginée 28', 'Paginée 29', 'Paginée 30'],
    );
    // Links as a browser reads them: Handlebars escapes '=' and '&' in attributes.
    const unescaped = (html: string) => html.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
    const page = await admin.client.get('/admin/utilisateurs?q=paginée');
    assert.match(page.text, /30 résultats — page 1 sur 2/);
    assert.match(unescaped(page.text), /href="\/admin\/utilisateurs\?q=pagin%C3%A9e&page=2">Page suivante/);
    const beyond = await admin.client.get('/admin/utilisateurs?q=paginée&page=7');
    assert.equal(beyond.status, 200);
    assert.match(
      unescaped(beyond.text),
      /href="\/admin\/utilisateurs\?q=pagin%C3%A9e&page=2">Page précédente/,
    );
  });

  it('answers odd searches and page numbers with the form and a message, never an error', async () => {
    const odd = [
      'page=abc',
      'page=0',
      'page=-3',
      'page=1.5',
      'page=99999999999',
      'page=9999',
      'page=1&page=2',
      'q[]=x',
      'q=%25_%5C',
      `q=${'x'.repeat(500)}`,
      'q=%00',
      'q=%E2%80%AE%F0%9F%98%80',
      'status=perimee',
      'definition=inconnue',
      `definition=${'a'.repeat(100)}`,
    ];
    for (const page of PAGES.slice(1, 4))
      for (const query of odd) {
        const answer = await admin.client.get(`${page}?${query}`);
        assert.ok(answer.status < 500, `${page}?${query}: ${answer.status}`);
        assert.equal(answer.status, 200, `${page}?${query}`);
      }
    const tooLong = await admin.client.get(`/admin/utilisateurs?q=${'x'.repeat(500)}`);
    assert.match(tooLong.text, /Recherche trop longue/);
    const badPage = await admin.client.get('/admin/organisations?page=abc');
    assert.match(badPage.text, /Numéro de page attendu/);
    for (const query of odd) {
      const answer = await admin.client.get(`/api/v1/admin/users?${query}`);
      assert.ok(answer.status < 500 && answer.status !== 403, `API ${query}: ${answer.status}`);
    }
    for (const query of ['personne=abc&role=admin', 'personne=&role=', 'role=inconnu', 'api[]=x'])
      assert.equal((await admin.client.get(`/admin/roles/retrait?${query}`)).status, 404, query);
  });
});

describe('staff roles', () => {
  it('grants a role that applies at once, then withdraws it after a confirmation', async () => {
    const granted = await postForm(admin.client, '/admin/roles', '/admin/roles', {
      email: person.email.toUpperCase(),
      role: 'instructeur',
      definition: 'api-particulier',
    });
    assert.equal(granted.status, 303);
    assert.equal(granted.headers.get('location'), '/admin/roles');
    const roles = await admin.client.get('/admin/roles');
    assert.match(roles.text, /a désormais le rôle « Instructeur — API Particulier »/);
    assert.match(roles.text, new RegExp(person.email));
    // The person's next request sees the role: the queue of the definition opens to them.
    assert.equal((await person.client.get('/api/v1/instruction/requests')).status, 200);

    const again = await admin.client.send('POST', '/api/v1/admin/staff-roles', {
      email: person.email,
      role: 'instructeur',
      definition: 'api-particulier',
    });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.granted, false);

    const withdrawal = `/admin/roles/retrait?personne=${person.userId}&role=instructeur&api=api-particulier`;
    const confirmation = await admin.client.get(withdrawal);
    assert.equal(confirmation.status, 200);
    assert.match(confirmation.text, /Retirer à Maëlle Quintard le rôle « Instructeur — API Particulier » \?/);
    const withdrawn = await postForm(admin.client, withdrawal, '/admin/roles/retrait', {
      personne: person.userId,
      role: 'instructeur',
      api: 'api-particulier',
    });
    assert.equal(withdrawn.status, 303);
    assert.match((await admin.client.get('/admin/roles')).text, /Maëlle Quintard n’a plus le rôle/);
    assert.equal((await person.client.get('/api/v1/instruction/requests')).status, 403);
    // The same confirmation sent twice (a second tab): nothing left to withdraw, and it says so.
    const twice = await postForm(admin.client, '/admin/roles', '/admin/roles/retrait', {
      personne: person.userId,
      role: 'instructeur',
      api: 'api-particulier',
    });
    assert.equal(twice.status, 303);
    assert.equal((await admin.client.get(withdrawal)).status, 404, 'no confirmation for a role not held');
  });

  it('refuses a grant that does not fit, each on its field, and keeps what was typed', async () => {
    const unknown = await postForm(admin.client, '/admin/roles', '/admin/roles', {
      email: 'personne@inconnu.fr',
      role: 'rapporteur',
      definition: 'api-entreprise',
    });
    assert.equal(unknown.status, 303);
    const page = await admin.client.get('/admin/roles');
    assert.match(page.text, /Aucun compte actif n’utilise cette adresse/);
    assert.match(page.text, /value="personne@inconnu.fr"/);

    const cases: [Record<string, unknown>, string][] = [
      [{ email: person.email, role: 'rapporteur' }, 'definition'],
      [{ email: person.email, role: 'support', definition: 'api-entreprise' }, 'definition'],
      [{ email: person.email, role: 'rapporteur', definition: 'inconnue' }, 'definition'],
      [{ email: person.email, role: 'chef' }, 'role'],
      [{ email: '', role: 'admin' }, 'email'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin.client.send('POST', '/api/v1/admin/staff-roles', body);
      assert.equal(answer.status, 422, JSON.stringify(body));
      assert.ok(
        answer.json.errors.some((error: { path: string }) => error.path === field),
        `${JSON.stringify(body)}: ${answer.text}`,
      );
    }
  });

  it('keeps an admin from withdrawing their own admin role, and lets another admin do it', async () => {
    const own = await admin.client.send('DELETE', `/api/v1/admin/users/${admin.id}/staff-roles?role=admin`);
    assert.equal(own.status, 409, own.text);
    const page = await admin.client.get('/admin/roles');
    assert.doesNotMatch(page.text, new RegExp(`personne=${admin.id}&amp;role=admin"`));

    const other = await signInStaff(platform, [{ role: 'admin', definition: null }], 'autre-admin');
    const withdrawn = await other.client.send(
      'DELETE',
      `/api/v1/admin/users/${admin.id}/staff-roles?role=admin`,
    );
    assert.equal(withdrawn.status, 200, withdrawn.text);
    assert.equal(withdrawn.json.withdrawn, true);
    assert.equal((await admin.client.get('/admin/utilisateurs')).status, 403);
  });
});
