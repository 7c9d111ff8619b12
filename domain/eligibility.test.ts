import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eligibilityOf, legalCategoryLabel } from './eligibility.ts';

describe('eligibility from the Sirene legal category', () => {
  it('admits public-law legal persons of every kind', () => {
    for (const legalCategory of [
      '7113',
      '7120',
      '7172',
      '7210',
      '7220',
      '7230',
      '7346',
      '7364',
      '7383',
      '7410',
    ]) {
      assert.equal(
        eligibilityOf({ legalCategory, isAdministration: null }).status,
        'eligible',
        legalCategory,
      );
    }
  });

  it('says why a commune is eligible', () => {
    assert.deepEqual(eligibilityOf({ legalCategory: '7210', isAdministration: true }), {
      status: 'eligible',
      reason: 'Personne morale de droit public (catégorie juridique « Commune et commune nouvelle »).',
    });
  });

  it('flags a company for the instructor instead of refusing it', () => {
    assert.deepEqual(eligibilityOf({ legalCategory: '5710', isAdministration: false }), {
      status: 'to_review',
      reason:
        'Catégorie juridique « Société par actions simplifiée » : l’éligibilité doit être vérifiée par ' +
        'l’instructeur (mission de service public ?).',
    });
  });

  it('flags associations, La Poste and public companies too', () => {
    for (const legalCategory of ['9220', '5510', '4140', '1000']) {
      assert.equal(
        eligibilityOf({ legalCategory, isAdministration: false }).status,
        'to_review',
        legalCategory,
      );
    }
  });

  it('admits a body the directory marks as an administration, whatever its category', () => {
    const eligibility = eligibilityOf({ legalCategory: '4110', isAdministration: true });
    assert.equal(eligibility.status, 'eligible');
    assert.match(eligibility.reason, /^Administration selon l’annuaire des entreprises/);
  });

  it('flags a unit whose category is missing or unknown', () => {
    assert.deepEqual(eligibilityOf({ legalCategory: '', isAdministration: null }), {
      status: 'to_review',
      reason:
        'Catégorie juridique non renseignée : l’éligibilité doit être vérifiée par l’instructeur (mission de service public ?).',
    });
    assert.match(
      eligibilityOf({ legalCategory: '8888', isAdministration: null }).reason,
      /^Catégorie juridique 8888 :/,
    );
    // Not public law, even though it starts with 7.
    assert.equal(eligibilityOf({ legalCategory: '7999', isAdministration: null }).status, 'to_review');
  });
});

describe('legal category labels', () => {
  it('gives the INSEE label of common categories', () => {
    assert.equal(legalCategoryLabel('7210'), 'Commune et commune nouvelle');
    assert.equal(legalCategoryLabel('7364'), 'Établissement d’hospitalisation');
    assert.equal(legalCategoryLabel('5499'), 'Société à responsabilité limitée (sans autre indication)');
    assert.equal(legalCategoryLabel('9220'), 'Association déclarée');
    assert.equal(legalCategoryLabel('1000'), 'Entrepreneur individuel');
  });

  it('falls back to the family, then to the bare code', () => {
    assert.equal(legalCategoryLabel('7199'), 'Administration de l’État');
    assert.equal(legalCategoryLabel('5455'), 'Société à responsabilité limitée (SARL)');
    assert.equal(legalCategoryLabel('0042'), 'Catégorie juridique 0042');
  });
});
