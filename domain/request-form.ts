import { z } from 'zod';
import {
  CONTACT_ROLES,
  definitionScopes,
  hasBlock,
  type ContactRole,
  type Definition,
  type FormBlock,
} from './definitions.ts';
import type { FieldError } from './errors.ts';
import { textInput } from './text-input.ts';

/**
 * The data of an access request's form, shared by the pages and the API (issue 4 §2). A block absent from
 * the definition is absent from the data. Two schemas per definition: the draft schema accepts any part of
 * the form (saved as is while the applicant goes), the submission check wants every field and reports all
 * that are missing or invalid at once.
 */
export const MAX_RETENTION_MONTHS_WITHOUT_JUSTIFICATION = 36;

export interface Contact {
  givenName?: string;
  familyName?: string;
  email?: string;
  phone?: string;
  jobTitle?: string;
}

export interface FormData {
  project?: { title?: string; description?: string; useCase?: string; serviceUrl?: string };
  scopes?: string[];
  legalBasis?: { nature?: string; url?: string };
  personalData?: { recipients?: string; retentionMonths?: number; retentionJustification?: string };
  contacts?: Partial<Record<ContactRole, Contact>>;
  terms?: { cguAccepted?: boolean; dpoInformed?: boolean };
}

/** What a request is called wherever it is shown: the project's title, or a stand-in before there is one. */
export const UNTITLED_REQUEST = 'Demande sans titre';

export function givenTitle(data: FormData): string | undefined {
  return data.project?.title?.trim() || undefined;
}

export function requestTitle(data: FormData): string {
  return givenTitle(data) ?? UNTITLED_REQUEST;
}

/**
 * The scopes an approval grants: those asked for, or fewer (spec §3: the instructor may narrow them, never
 * widen). Answers the granted list, sorted and without repeats, or the scopes that were not asked for.
 */
export function grantedScopes(
  data: FormData,
  narrowedTo: readonly string[] | undefined,
): { granted: string[] } | { notRequested: string[] } {
  const requested = data.scopes ?? [];
  if (narrowedTo === undefined) return { granted: [...new Set(requested)].sort() };
  const notRequested = narrowedTo.filter((scope) => !requested.includes(scope));
  if (notRequested.length > 0) return { notRequested };
  return { granted: [...new Set(narrowedTo)].sort() };
}

// French numbers (0X XX XX XX XX, +33 X XX XX XX XX) or another country in international form.
const PHONE = /^(?:(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}|\+(?!33)[1-9][\d\s.-]{6,18}\d)$/;

const text = (max: number, multiline: boolean) =>
  textInput({ required: 'Ce champ doit être un texte.', multiline }).max(
    max,
    `Ce champ ne peut dépasser ${max.toLocaleString('fr-FR')} caractères.`,
  );

// A draft value may be null: the field is emptied. Descriptions and justifications may span several lines.
const draftText = (max: number, options: { multiline?: boolean } = {}) =>
  text(max, options.multiline === true)
    .nullable()
    .optional();

function contactDraftSchema() {
  return z
    .strictObject({
      givenName: draftText(100),
      familyName: draftText(100),
      email: draftText(254),
      phone: draftText(30),
      jobTitle: draftText(200),
    })
    .nullable()
    .optional();
}

// Definitions are loaded once, at start-up: each one's schema is built the first time it is needed.
const draftSchemas = new WeakMap<Definition, ReturnType<typeof buildDraftSchema>>();

/** What PATCH accepts: any subset of the definition's blocks, with values of the right type. */
export function draftSchema(definition: Definition) {
  let schema = draftSchemas.get(definition);
  if (!schema) {
    schema = buildDraftSchema(definition);
    draftSchemas.set(definition, schema);
  }
  return schema;
}

function buildDraftSchema(definition: Definition) {
  const scopeIds = definitionScopes(definition).map((scope) => scope.id);
  const useCaseIds = definition.useCases.map((useCase) => useCase.id);
  const shape: Record<string, z.ZodType> = {
    project: z
      .strictObject({
        title: draftText(200),
        description: draftText(5_000, { multiline: true }),
        useCase:
          useCaseIds.length > 0
            ? z
                .enum(useCaseIds as [string, ...string[]], {
                  error: `Cas d’usage inconnu ; valeurs possibles : ${useCaseIds.join(', ')}.`,
                })
                .nullable()
                .optional()
            : z.null({ error: 'Cette API ne propose pas de cas d’usage.' }).optional(),
        serviceUrl: draftText(500),
      })
      .nullable()
      .optional(),
    terms: z
      .strictObject({
        cguAccepted: z.boolean({ error: 'Valeur attendue : true ou false.' }).nullable().optional(),
        dpoInformed: z.boolean({ error: 'Valeur attendue : true ou false.' }).nullable().optional(),
      })
      .nullable()
      .optional(),
  };
  if (hasBlock(definition, 'scopes')) {
    shape.scopes = z
      .array(
        z.enum(scopeIds as [string, ...string[]], {
          error: (issue) => `Donnée inconnue pour cette API : « ${String(issue.input)} ».`,
        }),
        { error: 'Liste d’identifiants de données attendue.' },
      )
      .max(scopeIds.length)
      .refine((ids) => new Set(ids).size === ids.length, 'Une donnée est cochée deux fois.')
      .nullable()
      .optional();
  }
  if (hasBlock(definition, 'legalBasis')) {
    shape.legalBasis = z
      .strictObject({ nature: draftText(2_000, { multiline: true }), url: draftText(500) })
      .nullable()
      .optional();
  }
  if (hasBlock(definition, 'personalData')) {
    shape.personalData = z
      .strictObject({
        recipients: draftText(2_000, { multiline: true }),
        retentionMonths: z
          .int({ error: 'Nombre entier de mois attendu.' })
          .min(1, 'La durée de conservation est d’au moins 1 mois.')
          .max(1_200, 'Durée de conservation trop longue.')
          .nullable()
          .optional(),
        retentionJustification: draftText(2_000, { multiline: true }),
      })
      .nullable()
      .optional();
  }
  if (hasBlock(definition, 'contacts')) {
    shape.contacts = z
      .strictObject(Object.fromEntries(definition.contacts.map((role) => [role, contactDraftSchema()])))
      .nullable()
      .optional();
  }
  return z.strictObject(shape);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** PATCH semantics: objects merge field by field, arrays and values replace, null removes. */
export function mergeDraft(current: FormData, patch: Record<string, unknown>): FormData {
  const merge = (base: unknown, change: unknown): unknown => {
    if (change === null) return undefined;
    if (typeof change !== 'object' || Array.isArray(change)) return change;
    const result: Record<string, unknown> =
      base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...(base as object) } : {};
    for (const [key, value] of Object.entries(change as Record<string, unknown>)) {
      if (value === undefined) continue;
      const merged = merge(result[key], value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    }
    return Object.keys(result).length > 0 ? result : undefined;
  };
  return (merge(current, patch) as FormData | undefined) ?? {};
}

const isBlank = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

const REQUIRED = 'Ce champ est obligatoire.';

/**
 * Every missing or invalid field of a form about to be submitted, in form order. `attachmentKinds` are the
 * kinds of the files attached to the request (a legal basis may be given as a PDF instead of a URL).
 */
export function submissionErrors(
  definition: Definition,
  data: FormData,
  attachmentKinds: readonly string[],
): FieldError[] {
  const errors: FieldError[] = [];
  const requireText = (path: string, value: unknown, min = 1) => {
    if (isBlank(value)) errors.push({ path, message: REQUIRED });
    else if (typeof value === 'string' && value.trim().length < min)
      errors.push({ path, message: `Précisez davantage (au moins ${min} caractères).` });
  };

  const project = data.project ?? {};
  requireText('project.title', project.title, 3);
  requireText('project.description', project.description, 20);
  if (definition.useCases.length > 0 && isBlank(project.useCase))
    errors.push({ path: 'project.useCase', message: 'Choisissez le cas d’usage de votre demande.' });
  if (!isBlank(project.serviceUrl) && !isHttpUrl(project.serviceUrl!))
    errors.push({ path: 'project.serviceUrl', message: 'Adresse web invalide (https://…).' });

  if (hasBlock(definition, 'scopes') && (data.scopes ?? []).length === 0)
    errors.push({ path: 'scopes', message: 'Cochez au moins une donnée.' });

  if (hasBlock(definition, 'legalBasis')) {
    const legalBasis = data.legalBasis ?? {};
    requireText('legalBasis.nature', legalBasis.nature, 3);
    if (isBlank(legalBasis.url) && !attachmentKinds.includes('legal_basis'))
      errors.push({
        path: 'legalBasis.url',
        message: 'Indiquez l’adresse du texte ou joignez-le en PDF.',
      });
    else if (!isBlank(legalBasis.url) && !isHttpUrl(legalBasis.url!))
      errors.push({ path: 'legalBasis.url', message: 'Adresse web invalide (https://…).' });
  }

  if (hasBlock(definition, 'personalData')) {
    const personalData = data.personalData ?? {};
    requireText('personalData.recipients', personalData.recipients, 3);
    if (personalData.retentionMonths === undefined || personalData.retentionMonths === null)
      errors.push({ path: 'personalData.retentionMonths', message: REQUIRED });
    else if (
      personalData.retentionMonths > MAX_RETENTION_MONTHS_WITHOUT_JUSTIFICATION &&
      isBlank(personalData.retentionJustification)
    )
      errors.push({
        path: 'personalData.retentionJustification',
        message: `Au-delà de ${MAX_RETENTION_MONTHS_WITHOUT_JUSTIFICATION} mois, justifiez la durée de conservation.`,
      });
  }

  if (hasBlock(definition, 'contacts')) {
    for (const role of CONTACT_ROLES.filter((r) => definition.contacts.includes(r))) {
      const contact = data.contacts?.[role] ?? {};
      const at = (field: string) => `contacts.${role}.${field}`;
      requireText(at('givenName'), contact.givenName);
      requireText(at('familyName'), contact.familyName);
      if (isBlank(contact.email)) errors.push({ path: at('email'), message: REQUIRED });
      else if (!z.email().safeParse(contact.email!.trim()).success)
        errors.push({ path: at('email'), message: 'L’adresse électronique n’est pas valide.' });
      if (isBlank(contact.phone)) errors.push({ path: at('phone'), message: REQUIRED });
      else if (!PHONE.test(contact.phone!.trim()))
        errors.push({
          path: at('phone'),
          message: 'Numéro de téléphone invalide (exemple : 01 23 45 67 89 ou +33 1 23 45 67 89).',
        });
      requireText(at('jobTitle'), contact.jobTitle);
    }
  }

  if (data.terms?.cguAccepted !== true)
    errors.push({
      path: 'terms.cguAccepted',
      message: 'Vous devez accepter les conditions générales d’utilisation.',
    });
  if (definition.contacts.includes('dpo') && data.terms?.dpoInformed !== true)
    errors.push({
      path: 'terms.dpoInformed',
      message: 'Confirmez que votre délégué·e à la protection des données a été informé·e.',
    });
  return errors;
}

/** The block of the form a field belongs to (`contacts.dpo.email` → contacts). */
export function blockOfPath(path: string): string {
  return path.split('.')[0]!;
}

/**
 * The missing or invalid fields of one block: the submission check (spec §3) restricted to that block, so a step
 * of the form is checked when the applicant leaves it by the very rule that judges the submission.
 */
export function blockErrors(
  definition: Definition,
  block: FormBlock,
  data: FormData,
  attachmentKinds: readonly string[],
): FieldError[] {
  return submissionErrors(definition, data, attachmentKinds).filter(
    (error) => blockOfPath(error.path) === block,
  );
}

/** The blocks of the definition that the submission check finds complete, in form order. */
export function completeBlocks(
  definition: Definition,
  data: FormData,
  attachmentKinds: readonly string[],
): FormBlock[] {
  const incomplete = new Set(
    submissionErrors(definition, data, attachmentKinds).map((e) => blockOfPath(e.path)),
  );
  return definition.blocks.filter((block) => !incomplete.has(block));
}

/**
 * What a new request copied from an earlier one starts with: its answers, except the commitments (terms), which the
 * applicant makes again for the new request. A block the definition no longer accepts as it was saved is left out.
 */
export function copiedFormData(definition: Definition, data: FormData): FormData {
  const schema = draftSchema(definition);
  const copied: Record<string, unknown> = {};
  for (const [block, value] of Object.entries(data)) {
    if (block === 'terms') continue;
    if (schema.safeParse({ [block]: value }).success) copied[block] = value;
  }
  return copied as FormData;
}

export interface FieldChange {
  path: string;
  before: Json | undefined;
  after: Json | undefined;
}

/** What changed between two versions of the form, field by field (lists compared as a whole). */
export function diffForms(before: FormData, after: FormData): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (path: string, a: unknown, b: unknown) => {
    const isObject = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value);
    if (isObject(a) || isObject(b)) {
      const left = (isObject(a) ? a : {}) as Record<string, unknown>;
      const right = (isObject(b) ? b : {}) as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(left), ...Object.keys(right)])])
        walk(path ? `${path}.${key}` : key, left[key], right[key]);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b))
      changes.push({ path, before: a as Json | undefined, after: b as Json | undefined });
  };
  walk('', before, after);
  return changes;
}
