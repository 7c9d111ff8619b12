/**
 * SIRET (establishment, 14 digits) and SIREN (legal unit, its first 9 digits) numbers, checked before any
 * directory look-up so that a typing mistake gets an immediate answer.
 *
 * Both carry a Luhn key, with one historical exception: La Poste numbers its thousands of branches beyond
 * what the Luhn key allows, so INSEE accepts a SIRET of La Poste whose digit sum is a multiple of 5. Its head
 * office passes Luhn; its branches only the digit-sum rule.
 */
export const LA_POSTE_SIREN = '356000000';

export type SiretCheck = { ok: true; siret: string; siren: string } | { ok: false; reason: 'format' | 'key' };

export type SirenCheck = { ok: true; siren: string } | { ok: false; reason: 'format' | 'key' };

/** People copy numbers from documents that group digits with spaces, often non-breaking ones. */
export function normalizeSiret(input: string): string {
  // \s covers the non-breaking (U+00A0) and narrow non-breaking (U+202F) spaces of French typography.
  return input.replace(/\s/g, '');
}

export function checkSiret(input: string): SiretCheck {
  const siret = normalizeSiret(input);
  if (!/^\d{14}$/.test(siret)) return { ok: false, reason: 'format' };
  const siren = siret.slice(0, 9);
  const keyIsValid = passesLuhn(siret) || (siren === LA_POSTE_SIREN && digitSum(siret) % 5 === 0);
  return keyIsValid ? { ok: true, siret, siren } : { ok: false, reason: 'key' };
}

export function checkSiren(input: string): SirenCheck {
  const siren = normalizeSiret(input);
  if (!/^\d{9}$/.test(siren)) return { ok: false, reason: 'format' };
  return passesLuhn(siren) ? { ok: true, siren } : { ok: false, reason: 'key' };
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function digitSum(digits: string): number {
  let sum = 0;
  for (const digit of digits) sum += Number(digit);
  return sum;
}
