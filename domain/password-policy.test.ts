import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordProblem } from './password-policy.ts';

describe('password rules', () => {
  it('accept a long passphrase with no special characters', () => {
    assert.equal(passwordProblem('le chat dort sur la table'), undefined);
    assert.equal(passwordProblem('x'.repeat(128)), undefined);
    assert.equal(passwordProblem('éléphant rose'), undefined);
  });

  it('refuse passwords shorter than 12 or longer than 128 characters', () => {
    assert.match(passwordProblem('court')!, /au moins 12 caractères/);
    assert.match(passwordProblem('a'.repeat(11))!, /au moins 12/);
    assert.match(passwordProblem('a'.repeat(129))!, /au plus 128/);
  });

  it('count characters as people see them', () => {
    assert.equal(passwordProblem('ééééééééééé'), 'Le mot de passe doit contenir au moins 12 caractères.');
    assert.equal(passwordProblem('🔑'.repeat(12)), undefined);
  });

  it('refuse common passwords, whatever their case', () => {
    for (const common of [
      'qwerty123456',
      'QWERTY123456',
      '1q2w3e4r5t6y',
      'motdepasse123',
      'AzertyUiop123',
      'administrateur',
    ]) {
      assert.match(passwordProblem(common) ?? '', /trop courant/, common);
    }
  });
});
