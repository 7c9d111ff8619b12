import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Spec §2: at least 12 and at most 128 characters, no composition rules, and not a known common password
 * (the zxcvbn-ts list of common passwords, plus French ones it lacks).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

const FRENCH_COMMON_PASSWORDS = [
  'motdepasse',
  'motdepasse1',
  'motdepasse12',
  'motdepasse123',
  'motdepasse1234',
  'motdepasse2024',
  'motdepasse2025',
  'motdepasse2026',
  'azertyuiop',
  'azertyuiop1',
  'azertyuiop12',
  'azertyuiop123',
  'azerty123456',
  'azerty12345678',
  '123456azerty',
  '123456789azerty',
  'azertyuiopqsdf',
  'azertyuiopqsdfghjklm',
  'qsdfghjklmwxcvbn',
  'wxcvbnqsdfghjklm',
  'bonjour12345',
  'bonjour123456',
  'bonjourbonjour',
  'jetaime12345',
  'jetaime123456',
  'jetaimejetaime',
  'soleil123456',
  'doudou123456',
  'chouchou1234',
  'marseille123',
  'marseille2024',
  'marseille13013',
  'parisparis75',
  'paris1234567',
  'loulou123456',
  'nicolas12345',
  'coucou123456',
  'princesse123',
  'administrateur',
  'administrateur1',
  'administration',
  'administration1',
  'changezmoi123',
  'changemoi1234',
  'bienvenue123',
  'bienvenue1234',
  'bienvenue2024',
  'bienvenue2025',
  'bienvenue2026',
  'mairie123456',
  'mairie2024!!',
  'secretariat1',
  'secretariat123',
  'comptabilite',
  'comptabilite1',
  'informatique',
  'informatique1',
  'informatique123',
  'sesame123456',
  'sesamesesame',
  'ouvretoisesame',
  'ouvre-toi-sesame',
  'liberteegalitefraternite',
  'republiquefrancaise',
];

let commonPasswords: Set<string> | undefined;

function isCommon(password: string): boolean {
  commonPasswords ??= new Set(
    [...dictionary['passwords-common'], ...FRENCH_COMMON_PASSWORDS]
      .map((entry) => entry.toLowerCase())
      .filter((entry) => entry.length >= PASSWORD_MIN_LENGTH),
  );
  return commonPasswords.has(password.toLowerCase());
}

/** The French message explaining why a password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  // Counted in characters as people see them, not UTF-16 units.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `Le mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH} caractères.`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `Le mot de passe doit contenir au plus ${PASSWORD_MAX_LENGTH} caractères.`;
  }
  if (isCommon(password)) {
    return 'Ce mot de passe est trop courant : choisissez-en un autre, par exemple une phrase de plusieurs mots.';
  }
  return undefined;
}
