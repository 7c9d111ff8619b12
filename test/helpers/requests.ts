import assert from 'node:assert/strict';
import { hashPassword } from '../../app/passwords';
import type { StaffGrant } from '../../domain/roles';
import { ensureStaffAccount } from '../../store/users';
import { newEmail, signUpAndActivate, SIRET } from './accounts';
import type { HttpClient } from './http-client';
import { DEMO_PASSWORD, type TestPlatform } from './platform';

/** A complete API Entreprise form, as an applicant who filled every step would have saved it. */
export function completeApiEntrepriseForm() {
  const contact = (givenName: string, jobTitle: string) => ({
    givenName,
    familyName: 'Lefèvre',
    email: `${givenName
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase()}.lefevre@saint-exemple.fr`,
    phone: '01 23 45 67 89',
    jobTitle,
  });
  return {
    project: {
      title: 'Pré-remplissage des demandes de subvention',
      description: 'Pré-remplir le formulaire de demande de subvention des associations à partir du SIRET.',
      useCase: 'aide-usager',
      serviceUrl: 'https://www.saint-exemple.fr/subventions',
    },
    scopes: ['unites_legales_etablissements', 'associations'],
    legalBasis: {
      nature: 'Délibération du conseil municipal n° 2026-42',
      url: 'https://www.saint-exemple.fr/deliberations/2026-42',
    },
    personalData: {
      recipients: 'Agents du service des sports et de la vie associative',
      retentionMonths: 24,
    },
    contacts: {
      dataController: contact('Hélène', 'Directrice générale des services'),
      dpo: contact('Marc', 'Délégué à la protection des données'),
      business: contact('Inès', 'Responsable vie associative'),
      technical: contact('Paul', 'Responsable informatique'),
    },
    terms: { cguAccepted: true, dpoInformed: true },
  };
}

/** A staff account with the given roles, signed in. */
export async function signInStaff(
  platform: TestPlatform,
  staffRoles: StaffGrant[],
  name = 'agent',
): Promise<{ client: HttpClient; id: string; email: string }> {
  const email = newEmail('sesame.test', name);
  await ensureStaffAccount(
    platform.services.db,
    {
      email,
      givenName: 'Alix',
      familyName: name,
      passwordHash: await hashPassword(DEMO_PASSWORD),
      staffRoles,
    },
    async () => false,
  );
  const client = platform.client();
  const answer = await client.signIn(email, DEMO_PASSWORD);
  assert.equal(answer.status, 200, answer.text);
  return { client, id: answer.json.user.id, email };
}

/** The demo instructor of every definition, signed in. */
export async function signInInstructor(platform: TestPlatform): Promise<HttpClient> {
  const client = platform.client();
  const answer = await client.signIn('instructeur@sesame.test', DEMO_PASSWORD);
  assert.equal(answer.status, 200, answer.text);
  return client;
}

/** An applicant, main manager of the fictional commune, with a new draft. */
export async function applicantWithDraft(
  platform: TestPlatform,
  options: { definition?: string; siret?: string; domain?: string } = {},
) {
  const { client, email, activation } = await signUpAndActivate(platform, {
    siret: options.siret ?? SIRET.commune,
    email: newEmail(options.domain ?? 'saint-exemple.fr'),
  });
  const created = await client.send('POST', '/api/v1/requests', {
    definition: options.definition ?? 'api-entreprise',
    siret: options.siret ?? SIRET.commune,
  });
  assert.equal(created.status, 201, created.text);
  return { client, email, userId: activation.user.id as string, requestId: created.json.id as string };
}

/** Fills and submits a draft; answers the request once submitted. */
export async function fillAndSubmit(
  client: HttpClient,
  requestId: string,
  form: object = completeApiEntrepriseForm(),
) {
  const saved = await client.send('PATCH', `/api/v1/requests/${requestId}`, form);
  assert.equal(saved.status, 200, saved.text);
  const submitted = await client.send('POST', `/api/v1/requests/${requestId}/submit`);
  assert.equal(submitted.status, 200, submitted.text);
  assert.equal(submitted.json.state, 'submitted');
}

/** A minimal valid PDF. */
export function samplePdf(text = 'Délibération'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
    'latin1',
  );
}

/** Sends a file as a browser form would (multipart/form-data). */
export async function upload(
  client: HttpClient,
  requestId: string,
  file: { name: string; content: Buffer; type?: string },
  kind = 'legal_basis',
) {
  const form = new FormData();
  form.set('kind', kind);
  form.set('file', new Blob([file.content], { type: file.type ?? 'application/pdf' }), file.name);
  const request = new Request('http://x/', { method: 'POST', body: form });
  const body = Buffer.from(await request.arrayBuffer());
  return client.request('POST', `/api/v1/requests/${requestId}/attachments`, {
    headers: {
      'content-type': request.headers.get('content-type')!,
      ...(client.csrfToken ? { 'x-csrf-token': client.csrfToken } : {}),
    },
    body,
  });
}
