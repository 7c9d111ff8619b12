import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mainNavigation, publicNavigation, type NavEntry } from './navigation.ts';

const labels = (entries: NavEntry[]) => entries.map((entry) => entry.label);
const current = (entries: NavEntry[]) =>
  entries
    .flatMap((entry) => ('links' in entry ? [entry, ...entry.links] : [entry]))
    .filter((e) => e.current)
    .map((e) => e.label);

describe('the main navigation', () => {
  it('an applicant has five entries, the catalogue among them', () => {
    assert.deepEqual(labels(mainNavigation([], '/tableau-de-bord')), [
      'Tableau de bord',
      'Catalogue des API',
      'Mes demandes',
      'Jetons',
      'Code d’invitation',
    ]);
  });

  it('an admin who instructs nothing has the administration menu but no Instruction (an empty queue)', () => {
    const entries = mainNavigation([{ role: 'admin', definition: null }], '/tableau-de-bord');
    assert.ok(!labels(entries).includes('Instruction'));
    assert.ok(labels(entries).includes('Administration'));
    assert.ok(!labels(entries).includes('Support'), 'support is in the administration menu');
  });

  it('instructors, reporters of one definition and support agents see Instruction; a developer sees its webhooks', () => {
    for (const role of ['instructeur', 'rapporteur', 'support'] as const)
      assert.ok(labels(mainNavigation([{ role, definition: null }], '/')).includes('Instruction'), role);
    assert.ok(
      labels(mainNavigation([{ role: 'rapporteur', definition: 'api-entreprise' }], '/')).includes(
        'Instruction',
      ),
    );
    const developer = mainNavigation([{ role: 'developpeur', definition: 'api-entreprise' }], '/');
    assert.ok(!labels(developer).includes('Instruction'));
    assert.ok(
      developer.some((entry) => 'href' in entry && entry.href === '/developpeurs/api-entreprise/webhooks'),
    );
  });

  it('marks the entry of the page, and the menu that holds it, by the longest address that starts the path', () => {
    assert.deepEqual(current(mainNavigation([], '/demandes/0193/formulaire/projet')), ['Mes demandes']);
    const admin = [{ role: 'admin' as const, definition: null }];
    assert.deepEqual(current(mainNavigation(admin, '/admin/utilisateurs')), [
      'Administration',
      'Utilisateurs',
    ]);
    assert.deepEqual(current(mainNavigation(admin, '/admin')), ['Administration', 'Courriels envoyés']);
    assert.deepEqual(current(mainNavigation(admin, '/compte')), []);
    assert.deepEqual(current(mainNavigation(admin, '/demandes-anciennes')), []);
  });

  it('a visitor is shown the catalogue', () => {
    assert.deepEqual(labels(publicNavigation('/')), ['Catalogue des API']);
    assert.deepEqual(current(publicNavigation('/catalogue')), ['Catalogue des API']);
  });
});
