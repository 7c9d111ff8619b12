import type { SubmissionChanges } from '../../app/instruction.ts';
import {
  CONTACT_ROLE_LABELS,
  scopeLabel,
  type ContactRole,
  type Definition,
} from '../../domain/definitions.ts';
import { CONTACT_FIELDS } from '../request-form-steps.ts';

/**
 * "What changed since the previous submission" (spec §3) as the instruction page shows it: each changed field
 * named as the readable form names it (its section, then its line), the values before and after in words.
 */

const SECTION_LABELS = {
  project: 'Projet',
  scopes: 'Données demandées',
  legalBasis: 'Cadre juridique',
  personalData: 'Données personnelles',
  terms: 'Conditions d’utilisation',
} as const;

/** The field paths of the form, labelled with the words of web/presenters/readable-form.ts. */
const FIELD_LABELS: Record<string, [keyof typeof SECTION_LABELS, string]> = {
  'project.title': ['project', 'Intitulé'],
  'project.description': ['project', 'Description'],
  'project.useCase': ['project', 'Cas d’usage'],
  'project.serviceUrl': ['project', 'Adresse du service'],
  scopes: ['scopes', 'Données demandées'],
  'legalBasis.nature': ['legalBasis', 'Nature'],
  'legalBasis.url': ['legalBasis', 'Texte en ligne'],
  'personalData.recipients': ['personalData', 'Destinataires'],
  'personalData.retentionMonths': ['personalData', 'Durée de conservation'],
  'personalData.retentionJustification': ['personalData', 'Justification de la durée'],
  'terms.cguAccepted': ['terms', 'Conditions générales acceptées'],
  'terms.dpoInformed': ['terms', 'Délégué·e à la protection des données informé·e'],
};

const CONTACT_FIELD_LABELS: Record<string, string> = Object.fromEntries(
  CONTACT_FIELDS.map((field) => [field.name, field.label]),
);

export function changedFieldLabel(path: string): string {
  const contact = /^contacts\.([^.]+)\.([^.]+)$/.exec(path);
  if (contact) {
    const role = CONTACT_ROLE_LABELS[contact[1] as ContactRole] ?? contact[1];
    return `${role} — ${CONTACT_FIELD_LABELS[contact[2]!] ?? contact[2]}`;
  }
  const known = FIELD_LABELS[path];
  if (!known) return path;
  const [section, label] = known;
  return section === 'scopes' ? label : `${SECTION_LABELS[section]} — ${label}`;
}

/** A value of the form as a person reads it. */
export function changedValue(definition: Definition, path: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return 'Non renseigné';
  if (path === 'scopes' && Array.isArray(value))
    return value.length === 0 ? 'Aucune' : value.map((id) => scopeLabel(definition, String(id))).join(', ');
  if (path === 'project.useCase')
    return definition.useCases.find((useCase) => useCase.id === value)?.label ?? String(value);
  if (path === 'personalData.retentionMonths') return `${String(value)} mois`;
  if (typeof value === 'boolean') return value ? 'Oui' : 'Non';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function submissionChangesView(definition: Definition, changes: SubmissionChanges) {
  return {
    neverSubmitted: changes.current === null,
    first: changes.current !== null && changes.previous === null,
    current: changes.current,
    previous: changes.previous,
    none:
      changes.previous !== null &&
      changes.changes.length === 0 &&
      changes.attachmentsAdded.length === 0 &&
      changes.attachmentsRemoved.length === 0,
    fields: changes.changes.map((change) => ({
      label: changedFieldLabel(change.path),
      before: changedValue(definition, change.path, change.before),
      after: changedValue(definition, change.path, change.after),
    })),
    attachmentsAdded: changes.attachmentsAdded,
    attachmentsRemoved: changes.attachmentsRemoved,
  };
}
