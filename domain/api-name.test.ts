import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { theApi } from './api-name.ts';

describe('an API named in a sentence', () => {
  it('takes its article whether or not its name starts with "API"', () => {
    assert.equal(theApi('API Entreprise'), 'l’API Entreprise');
    assert.equal(theApi('Chorus Pro'), 'l’API Chorus Pro');
    assert.equal(theApi(' API Particulier '), 'l’API Particulier');
    assert.equal(theApi('Apidae'), 'l’API Apidae');
  });
});
