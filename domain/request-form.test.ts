import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { definitionSchema } from './definitions.ts';
import {
  blockErrors,
  completeBlocks,
  copiedFormData,
  diffForms,
  mergeDraft,
  submissionErrors,
  type FormData,
} from './request-form.ts';

test('a draft patch merges objects, replaces lists and values, and null removes', () => {
  const merged = mergeDraft(
    { project: { title: 'A', description: 'B' }, scopes: ['x', 'y'], contacts: { dpo: { email: 'a@b.fr' } } },
    { project: { title: 'C' }, scopes: ['z'], contacts: { dpo: null } },
  );
  assert.deepEqual(merged, { project: { title: 'C', description: 'B' }, scopes: ['z'] });
  assert.deepEqual(mergeDraft({}, { project: { title: null } }), {});
});

test('the changes between two submissions are listed field by field', () => {
  assert.deepEqual(
    diffForms(
      { project: { title: 'A' }, scopes: ['x'], personalData: { retentionMonths: 12 } },
      {
        project: { title: 'A' },
        scopes: ['x', 'y'],
        personalData: { retentionMonths: 24, recipients: 'Agents' },
      },
    ),
    [
      { path: 'scopes', before: ['x'], after: ['x', 'y'] },
      { path: 'personalData.retentionMonths', before: 12, after: 24 },
      { path: 'personalData.recipients', before: undefined, after: 'Agents' },
    ],
  );
});

const chorus = definitionSchema.parse(
  JSON.parse(readFileSync(new URL('../definitions/chorus-pro.json', import.meta.url), 'utf8')),
);
const complete: FormData = {
  project: {
    title: 'Factures des fournisseurs',
    description: 'Déposer les factures des fournisseurs de la ville.',
  },
  scopes: [chorus.scopeGroups[0]!.scopes[0]!.id],
  contacts: Object.fromEntries(
    chorus.contacts.map((role) => [
      role,
      {
        givenName: 'Paul',
        familyName: 'Lefèvre',
        email: 'paul.lefevre@saint-exemple.fr',
        phone: '01 23 45 67 89',
        jobTitle: 'Responsable informatique',
      },
    ]),
  ),
  terms: { cguAccepted: true },
};

test('a step is checked by the submission’s rule restricted to its block', () => {
  const data: FormData = {
    ...complete,
    contacts: { ...complete.contacts, technical: { ...complete.contacts!.technical, phone: 'abc' } },
    terms: {},
  };
  const all = submissionErrors(chorus, data, []);
  assert.deepEqual(
    blockErrors(chorus, 'contacts', data, []),
    all.filter((error) => error.path.startsWith('contacts.')),
  );
  assert.deepEqual(
    blockErrors(chorus, 'contacts', data, []).map((error) => error.path),
    ['contacts.technical.phone'],
  );
  assert.deepEqual(blockErrors(chorus, 'project', data, []), []);
  assert.deepEqual(completeBlocks(chorus, data, []), ['project', 'scopes']);
  assert.deepEqual(completeBlocks(chorus, complete, []), chorus.blocks);
});

test('a copy keeps the answers but not the commitments, nor a block the definition no longer accepts', () => {
  const copied = copiedFormData(chorus, { ...complete, scopes: ['retiree_depuis'] });
  assert.equal(copied.terms, undefined);
  assert.equal(copied.scopes, undefined);
  assert.deepEqual(copied.project, complete.project);
  assert.deepEqual(copied.contacts, complete.contacts);
});

test('personal data kept up to 36 months needs no justification; 37 months without one is refused at its step', () => {
  const entreprise = definitionSchema.parse(
    JSON.parse(readFileSync(new URL('../definitions/api-entreprise.json', import.meta.url), 'utf8')),
  );
  const kept = (retentionMonths: number, retentionJustification?: string): FormData => ({
    personalData: { recipients: 'Agents du service', retentionMonths, retentionJustification },
  });
  const paths = (data: FormData) =>
    blockErrors(entreprise, 'personalData', data, []).map((error) => error.path);
  assert.deepEqual(paths(kept(36)), []);
  assert.deepEqual(paths(kept(37)), ['personalData.retentionJustification']);
  assert.deepEqual(paths(kept(37, '   ')), ['personalData.retentionJustification']);
  assert.deepEqual(paths(kept(37, 'Prescription quadriennale des créances publiques.')), []);
});
