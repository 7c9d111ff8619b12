import { z } from 'zod';

/**
 * What an API definition file in definitions/ declares (spec §3): the form an organisation fills to ask for
 * access, the credential it gets, and the durations of its timers. Files are checked against this schema at
 * start-up; a bad file stops the process naming the file and the field.
 */
export const FORM_BLOCKS = ['project', 'scopes', 'legalBasis', 'personalData', 'contacts', 'terms'] as const;
export type FormBlock = (typeof FORM_BLOCKS)[number];

export const CONTACT_ROLES = ['dataController', 'dpo', 'business', 'technical'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

export const CREDENTIAL_TYPES = ['token', 'technical_account'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** The identifier of a definition, a scope or a use case, as addresses and files write it. */
export const definitionIdentifier = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lower-case letters, digits, "-" or "_"')
  .max(64);

const scope = z.strictObject({
  id: definitionIdentifier,
  label: z.string().min(1),
  description: z.string().optional(),
  sensitive: z.boolean().default(false),
});

const useCase = z.strictObject({
  id: definitionIdentifier,
  label: z.string().min(1),
  description: z.string().min(1),
  scopes: z.array(definitionIdentifier),
});

export const definitionSchema = z
  .strictObject({
    slug: definitionIdentifier,
    name: z.string().min(1),
    description: z.string().min(1),
    provider: z.strictObject({ name: z.string().min(1), url: z.url().optional() }),
    cguUrl: z.url(),
    credentialTypes: z.array(z.enum(CREDENTIAL_TYPES)).min(1),
    /** How long a habilitation (and its token) stays valid after approval. */
    validityMonths: z.int().min(1).max(60),
    blocks: z.array(z.enum(FORM_BLOCKS)).min(1),
    /** The contacts asked for when the form has a `contacts` block. */
    contacts: z.array(z.enum(CONTACT_ROLES)).default([]),
    useCases: z.array(useCase).default([]),
    scopeGroups: z
      .array(z.strictObject({ label: z.string().min(1), scopes: z.array(scope).min(1) }))
      .default([]),
    timers: z.strictObject({
      /** Inactivity after which the applicant is reminded of a draft. */
      draftReminderDays: z.int().min(1),
      /** Further inactivity after the reminder before the draft is archived. */
      draftArchiveDays: z.int().min(1),
      /** Age of a submission after which instructors are reminded. */
      instructionSlaDays: z.int().min(1),
    }),
  })
  .superRefine((definition, ctx) => {
    const has = (block: FormBlock) => definition.blocks.includes(block);
    for (const required of ['project', 'terms'] as const) {
      if (!has(required))
        ctx.addIssue({ code: 'custom', path: ['blocks'], message: `must include "${required}"` });
    }
    const scopeIds = definition.scopeGroups.flatMap((group) => group.scopes.map((s) => s.id));
    const seen = new Set<string>();
    scopeIds.forEach((id) => {
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: ['scopeGroups'], message: `scope "${id}" is declared twice` });
      seen.add(id);
    });
    if (has('scopes') && scopeIds.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['scopeGroups'],
        message: 'the scopes block needs at least one scope',
      });
    if (!has('scopes') && (scopeIds.length > 0 || definition.useCases.some((u) => u.scopes.length > 0)))
      ctx.addIssue({
        code: 'custom',
        path: ['blocks'],
        message: 'scopes are declared but the "scopes" block is absent',
      });
    if (has('contacts') && definition.contacts.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['contacts'],
        message: 'the contacts block needs at least one contact role',
      });
    definition.useCases.forEach((useCase, index) => {
      for (const id of useCase.scopes) {
        if (!seen.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['useCases', index, 'scopes'],
            message: `unknown scope "${id}"`,
          });
      }
    });
  });

export type Definition = z.output<typeof definitionSchema>;
export type DefinitionScope = Definition['scopeGroups'][number]['scopes'][number];

export function definitionScopes(definition: Definition): DefinitionScope[] {
  return definition.scopeGroups.flatMap((group) => group.scopes);
}

/** A scope as people read it (its label), or its identifier when the definition no longer declares it. */
export function scopeLabel(definition: Definition, id: string): string {
  return definitionScopes(definition).find((scope) => scope.id === id)?.label ?? id;
}

export function hasBlock(definition: Definition, block: FormBlock): boolean {
  return definition.blocks.includes(block);
}

export const CREDENTIAL_TYPE_LABELS: Record<CredentialType, string> = {
  token: 'Jeton d’accès',
  technical_account: 'Compte technique',
};

export const CONTACT_ROLE_LABELS: Record<ContactRole, string> = {
  dataController: 'Responsable de traitement',
  dpo: 'Délégué·e à la protection des données',
  business: 'Contact métier',
  technical: 'Contact technique',
};

export const FORM_BLOCK_LABELS: Record<FormBlock, string> = {
  project: 'Votre projet',
  scopes: 'Données demandées',
  legalBasis: 'Cadre juridique',
  personalData: 'Données personnelles',
  contacts: 'Contacts',
  terms: 'Conditions d’utilisation',
};

/** The definitions the platform serves, loaded and checked once at start-up. */
export interface DefinitionCatalog {
  list(): readonly Definition[];
  find(slug: string): Definition | undefined;
}

export function definitionCatalog(definitions: readonly Definition[]): DefinitionCatalog {
  const bySlug = new Map(definitions.map((definition) => [definition.slug, definition]));
  return { list: () => definitions, find: (slug) => bySlug.get(slug) };
}
