import {
  CONTACT_ROLE_LABELS,
  FORM_BLOCK_LABELS,
  type Definition,
  type FormBlock,
} from '../domain/definitions.ts';

/**
 * The multi-step form of a request, one step per block of its definition plus a summary. Each step's HTML
 * fields are named after the path of the value they hold (`contacts.dpo.email`); this module turns a posted
 * step into the part of the form data it changes, the same shape the JSON API's PATCH accepts.
 */
export interface FormStep {
  slug: string;
  block: FormBlock | 'summary';
  label: string;
}

const STEP_SLUGS: Record<FormBlock, string> = {
  project: 'projet',
  scopes: 'donnees',
  legalBasis: 'cadre-juridique',
  personalData: 'donnees-personnelles',
  contacts: 'contacts',
  terms: 'conditions',
};

export const SUMMARY_STEP: FormStep = { slug: 'recapitulatif', block: 'summary', label: 'Récapitulatif' };

export function formSteps(definition: Definition): FormStep[] {
  return [
    ...definition.blocks.map((block) => ({
      slug: STEP_SLUGS[block],
      block,
      label: FORM_BLOCK_LABELS[block],
    })),
    SUMMARY_STEP,
  ];
}

/** The step where a field of a submission error lives (`contacts.dpo.email` → contacts). */
export function stepOfPath(definition: Definition, path: string): FormStep | undefined {
  const block = path.split('.')[0] as FormBlock;
  return formSteps(definition).find((step) => step.block === block);
}

/**
 * The first step the submission check finds incomplete, where a draft resumes (spec §7b); the summary when
 * every block is complete.
 */
export function resumeStep(definition: Definition, complete: readonly FormBlock[]): FormStep {
  return (
    formSteps(definition).find((step) => step.block !== 'summary' && !complete.includes(step.block)) ??
    SUMMARY_STEP
  );
}

const FIELD_LABELS: Record<string, string> = {
  'project.title': 'intitulé du projet',
  'project.description': 'description du projet',
  'project.useCase': 'cas d’usage',
  'project.serviceUrl': 'adresse du service en ligne',
  scopes: 'données demandées',
  'legalBasis.nature': 'texte qui vous autorise à connaître ces données',
  'legalBasis.url': 'adresse du texte en ligne',
  'personalData.recipients': 'destinataires des données',
  'personalData.retentionMonths': 'durée de conservation',
  'personalData.retentionJustification': 'justification de la durée de conservation',
  'terms.cguAccepted': 'conditions générales d’utilisation',
  'terms.dpoInformed': 'information du ou de la délégué·e à la protection des données',
};

/**
 * Where a field is, as a person reads it in a list of errors: « Contact technique, téléphone » rather than
 * « Contacts » (a form has four contacts with the same fields).
 */
export function fieldPlace(path: string): string {
  const [block, role, field] = path.split('.');
  if (block === 'contacts' && role && field) {
    const roleLabel = CONTACT_ROLE_LABELS[role as keyof typeof CONTACT_ROLE_LABELS] ?? role;
    const fieldLabel = CONTACT_FIELDS.find((candidate) => candidate.name === field)?.label ?? field;
    return `${roleLabel}, ${fieldLabel.toLowerCase()}`;
  }
  const label = FIELD_LABELS[path] ?? path;
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/**
 * The id of the element a link to a field's error should reach: the input itself, or for a group of choices its
 * first choice (a radio button, a checkbox).
 */
export function fieldAnchor(definition: Definition, path: string): string {
  if (path === 'scopes') {
    const first = definition.scopeGroups[0]?.scopes[0];
    return first ? `scope-${first.id}` : 'scopes';
  }
  if (path === 'project.useCase') {
    const first = definition.useCases[0];
    return first ? `cas-${first.id}` : path;
  }
  return path;
}

type Body = Record<string, unknown>;

const text = (body: Body, name: string): string | null => {
  const value = body[name];
  if (typeof value !== 'string') return null;
  return value.trim() === '' ? null : value;
};

const list = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : typeof value === 'string'
      ? [value]
      : [];

/** A whole number as typed, or the text itself so that validation names the field. */
const wholeNumber = (body: Body, name: string): number | string | null => {
  const raw = text(body, name);
  if (raw === null) return null;
  return /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
};

/** The part of the form data a posted step changes (empty fields clear their value). */
export function stepPatch(definition: Definition, block: FormBlock, body: Body): Record<string, unknown> {
  switch (block) {
    case 'project':
      return {
        project: {
          title: text(body, 'project.title'),
          description: text(body, 'project.description'),
          serviceUrl: text(body, 'project.serviceUrl'),
          ...(definition.useCases.length > 0 ? { useCase: text(body, 'project.useCase') } : {}),
        },
      };
    case 'scopes':
      return { scopes: list(body.scopes) };
    case 'legalBasis':
      return { legalBasis: { nature: text(body, 'legalBasis.nature'), url: text(body, 'legalBasis.url') } };
    case 'personalData':
      return {
        personalData: {
          recipients: text(body, 'personalData.recipients'),
          retentionMonths: wholeNumber(body, 'personalData.retentionMonths'),
          retentionJustification: text(body, 'personalData.retentionJustification'),
        },
      };
    case 'contacts':
      return {
        contacts: Object.fromEntries(
          definition.contacts.map((role) => [
            role,
            Object.fromEntries(
              ['givenName', 'familyName', 'email', 'phone', 'jobTitle'].map((field) => [
                field,
                text(body, `contacts.${role}.${field}`),
              ]),
            ),
          ]),
        ),
      };
    case 'terms':
      return {
        terms: {
          cguAccepted: body['terms.cguAccepted'] === 'on',
          ...(definition.contacts.includes('dpo') ? { dpoInformed: body['terms.dpoInformed'] === 'on' } : {}),
        },
      };
  }
}

export const CONTACT_FIELDS = [
  { name: 'givenName', label: 'Prénom', autocomplete: 'off' },
  { name: 'familyName', label: 'Nom', autocomplete: 'off' },
  { name: 'email', label: 'Adresse électronique', type: 'email', autocomplete: 'off' },
  { name: 'phone', label: 'Téléphone', type: 'tel', autocomplete: 'off', hint: 'Exemple : 01 23 45 67 89' },
  { name: 'jobTitle', label: 'Fonction', autocomplete: 'off' },
] as const;

export { CONTACT_ROLE_LABELS };
