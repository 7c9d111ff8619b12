import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LA_POSTE_SIREN, checkSiren, checkSiret, normalizeSiret } from './siret.ts';

// Numbers from the stand-in directory's data set (directory/README.md).
const COMMUNE_HEAD_OFFICE = '21457956700014';
const COMPANY_HEAD_OFFICE = '85248075500010';
const LA_POSTE_HEAD_OFFICE = '35600000001012';
const LA_POSTE_BRANCH = '35600000035288';

describe('SIRET numbers typed at sign-up', () => {
  it('accepts 14 digits with a valid Luhn key and tells the SIREN', () => {
    assert.deepEqual(checkSiret(COMMUNE_HEAD_OFFICE), {
      ok: true,
      siret: COMMUNE_HEAD_OFFICE,
      siren: '214579567',
    });
    assert.equal(checkSiret(COMPANY_HEAD_OFFICE).ok, true);
  });

  it('refuses a number whose key is wrong, as after a typing mistake', () => {
    assert.deepEqual(checkSiret('21457956700015'), { ok: false, reason: 'key' });
    assert.deepEqual(checkSiret('12457956700014'), { ok: false, reason: 'key' });
  });

  it('accepts La Poste’s head office by Luhn and its branches by their digit sum', () => {
    assert.deepEqual(checkSiret(LA_POSTE_HEAD_OFFICE), {
      ok: true,
      siret: LA_POSTE_HEAD_OFFICE,
      siren: LA_POSTE_SIREN,
    });
    assert.deepEqual(checkSiret(LA_POSTE_BRANCH), {
      ok: true,
      siret: LA_POSTE_BRANCH,
      siren: LA_POSTE_SIREN,
    });
  });

  it('refuses a La Poste branch whose digit sum is not a multiple of 5', () => {
    assert.deepEqual(checkSiret('35600000035289'), { ok: false, reason: 'key' });
    assert.deepEqual(checkSiret('35600000035287'), { ok: false, reason: 'key' });
  });

  it('keeps the digit-sum exception for La Poste alone', () => {
    // Digit sum 30, Luhn key wrong, another SIREN.
    assert.deepEqual(checkSiret('21457956700004'), { ok: false, reason: 'key' });
  });

  it('refuses what is not 14 digits', () => {
    for (const bad of [
      '',
      '2145795670001',
      '214579567000140',
      '2145795670001A',
      '214-579-567-00014',
      'siret',
    ]) {
      assert.deepEqual(checkSiret(bad), { ok: false, reason: 'format' }, bad);
    }
  });

  it('accepts numbers grouped with spaces, including non-breaking ones copied from a document', () => {
    for (const spaced of [
      '214 579 567 00014',
      '214\u00a0579\u00a0567\u00a000014',
      '214\u202f579\u202f567\u202f00014',
      ' 21457956700014\t',
    ]) {
      assert.deepEqual(
        checkSiret(spaced),
        { ok: true, siret: COMMUNE_HEAD_OFFICE, siren: '214579567' },
        spaced,
      );
    }
    assert.equal(normalizeSiret('356 000 000\u00a001012'), LA_POSTE_HEAD_OFFICE);
  });
});

describe('SIREN numbers', () => {
  it('accepts 9 digits with a valid Luhn key, La Poste’s included', () => {
    assert.deepEqual(checkSiren('214 579 567'), { ok: true, siren: '214579567' });
    assert.deepEqual(checkSiren(LA_POSTE_SIREN), { ok: true, siren: LA_POSTE_SIREN });
  });

  it('refuses a wrong key or a wrong length', () => {
    assert.deepEqual(checkSiren('214579568'), { ok: false, reason: 'key' });
    assert.deepEqual(checkSiren('21457956'), { ok: false, reason: 'format' });
    assert.deepEqual(checkSiren(COMMUNE_HEAD_OFFICE), { ok: false, reason: 'format' });
  });
});
