import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffForms, mergeDraft } from './request-form.ts';

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
