import { z } from 'zod';
import { emailAddressSchema } from '../domain/email-address.ts';
import { passwordProblem } from '../domain/password-policy.ts';
import { checkSiret } from '../domain/siret.ts';
import { textInput } from '../domain/text-input.ts';

/** The fields of the account forms, shared by the API (and its OpenAPI document) and the pages. */
export const personNameSchema = (label: string) =>
  textInput({ required: `${label} est obligatoire.` })
    .trim()
    .min(1, `${label} est obligatoire.`)
    .max(100, `${label} ne peut dépasser 100 caractères.`);

export const newPasswordSchema = z
  .string({ error: 'Le mot de passe est obligatoire.' })
  .superRefine((password, ctx) => {
    const problem = passwordProblem(password);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: '12 to 128 characters, not a common password.' });

export const siretSchema = z
  .string({ error: 'Le numéro SIRET est obligatoire.' })
  .transform((value, ctx) => {
    const check = checkSiret(value);
    if (check.ok) return check.siret;
    ctx.addIssue({
      code: 'custom',
      message:
        check.reason === 'format'
          ? 'Le numéro SIRET doit comporter 14 chiffres.'
          : 'Ce numéro SIRET n’est pas valide : vérifiez sa clé de contrôle (un chiffre a pu être mal recopié).',
    });
    return z.NEVER;
  })
  .meta({ description: '14 digits, spaces allowed.', examples: ['356 000 000 00048'] });

export const signUpSchema = z.object({
  givenName: personNameSchema('Le prénom'),
  familyName: personNameSchema('Le nom'),
  email: emailAddressSchema,
  password: newPasswordSchema,
  siret: siretSchema,
});

export const emailOnlySchema = z.object({
  email: emailAddressSchema,
});

/** Tokens of emailed links: 32 random bytes in base64url. Anything else names no link. */
export const linkTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
