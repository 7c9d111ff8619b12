import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashPassword } from '../../app/passwords.ts';
import { theApi } from '../../domain/api-name.ts';
import type { StaffGrant } from '../../domain/roles.ts';
import { ensureStaffAccount } from '../../store/users.ts';
import { newEmail, signUpAndActivate, SIRET } from './accounts.ts';
import type { HttpClient } from './http-client.ts';
import { DEMO_PASSWORD, type TestPlatform } from './platform.ts';

/** The contacts a form asks for, by role: who fills each one at the fictional commune. */
const CONTACTS: Record<string, { givenName: string; jobTitle: string }> = {
  dataController: { givenName: 'Hélène', jobTitle: 'Directrice générale des services' },
  dpo: { givenName: 'Marc', jobTitle: 'Délégué à la protection des données' },
  business: { givenName: 'Inès', jobTitle: 'Responsable vie associative' },
  technical: { givenName: 'Paul', jobTitle: 'Responsable informatique' },
};

function contact(role: string) {
  const { givenName, jobTitle } = CONTACTS[role]!;
  return {
    givenName,
    familyName: 'Lefèvre',
    email: `${givenName
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase()}.lefevre@saint-exemple.fr`,
    phone: '01 23 45 67 89',
    jobTitle,
  };
}

/** A complete API Entreprise form, as an applicant who filled every step would have saved it. */
export function completeApiEntrepriseForm() {
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
      dataController: contact('dataController'),
      dpo: contact('dpo'),
      business: contact('business'),
      technical: contact('technical'),
    },
    terms: { cguAccepted: true, dpoInformed: true },
  };
}

/** What a definition file in definitions/ declares, as far as the tests read it. */
export interface DefinitionFile {
  slug: string;
  name: string;
  description: string;
  credentialTypes: ('token' | 'technical_account')[];
  validityMonths: number;
  blocks: string[];
  contacts?: string[];
  useCases?: { id: string; label: string; description: string; scopes: string[] }[];
  scopeGroups?: { label: string; scopes: { id: string }[] }[];
}

const DEFINITIONS_DIR = path.resolve(import.meta.dirname, '../../definitions');

/** A definition as its file says, read by the test itself (not through the platform's loader). */
export function definitionFile(slug: string): DefinitionFile {
  return JSON.parse(readFileSync(path.join(DEFINITIONS_DIR, `${slug}.json`), 'utf8')) as DefinitionFile;
}

/**
 * A complete form for any definition, built from its file: the blocks it has, the contacts it asks for, a use
 * case when it offers some (the first one that covers `scopes`), and the scopes asked for (`scopes`, else the
 * use case's, else every scope of the definition).
 */
export function completeForm(slug: string, options: { scopes?: string[] } = {}): Record<string, unknown> {
  const definition = definitionFile(slug);
  const has = (block: string) => definition.blocks.includes(block);
  const known = (definition.scopeGroups ?? []).flatMap((group) => group.scopes.map((scope) => scope.id));
  const useCases = definition.useCases ?? [];
  const wanted = options.scopes;
  const useCase =
    (wanted && useCases.find((candidate) => wanted.every((scope) => candidate.scopes.includes(scope)))) ??
    useCases[0];
  const scopes = wanted ?? useCase?.scopes ?? known;
  if (wanted && !has('scopes')) throw new Error(`${slug} has no scopes block`);
  const unknown = scopes.filter((scope) => !known.includes(scope));
  if (unknown.length > 0) throw new Error(`${slug} declares no scope ${unknown.join(', ')}`);
  const contacts = definition.contacts ?? [];
  const form: Record<string, unknown> = {
    project: {
      title: `Raccordement à ${theApi(definition.name)}`,
      description: useCase?.description ?? definition.description,
      ...(useCase ? { useCase: useCase.id } : {}),
      serviceUrl: 'https://www.saint-exemple.fr/demarches',
    },
    terms: { cguAccepted: true, ...(contacts.includes('dpo') ? { dpoInformed: true } : {}) },
  };
  if (has('scopes')) form.scopes = scopes;
  if (has('legalBasis'))
    form.legalBasis = {
      nature: 'Délibération du conseil municipal n° 2026-42',
      url: 'https://www.saint-exemple.fr/deliberations/2026-42',
    };
  if (has('personalData'))
    form.personalData = { recipients: 'Agents des services de la commune', retentionMonths: 24 };
  if (has('contacts')) form.contacts = Object.fromEntries(contacts.map((role) => [role, contact(role)]));
  return form;
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
