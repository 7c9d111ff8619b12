import type { VisibleRequest } from '../../app/request-access.ts';
import { definitionScopes, type Definition, type FormBlock } from '../../domain/definitions.ts';
import { CONTACT_FIELDS, CONTACT_ROLE_LABELS } from '../request-form-steps.ts';

/** The form data as sections of label/value lines, for the summary and the request page. */
export function readableForm(definition: Definition, data: VisibleRequest['request']['data']) {
  const scopeLabels = new Map(definitionScopes(definition).map((scope) => [scope.id, scope]));
  const useCase = definition.useCases.find((u) => u.id === data.project?.useCase);
  const sections: {
    label: string;
    block: FormBlock;
    lines: {
      label: string;
      value: string;
      link?: boolean;
      items?: { label: string; sensitive: boolean }[];
    }[];
  }[] = [];
  const line = (label: string, value: unknown, link = false) => ({
    label,
    value: value === undefined || value === null || value === '' ? 'Non renseigné' : String(value),
    link: link && typeof value === 'string' && /^https?:\/\//.test(value),
  });
  for (const block of definition.blocks) {
    if (block === 'project')
      sections.push({
        block,
        label: 'Votre projet',
        lines: [
          line('Intitulé', data.project?.title),
          line('Description', data.project?.description),
          ...(definition.useCases.length > 0 ? [line('Cas d’usage', useCase?.label)] : []),
          line('Adresse du service', data.project?.serviceUrl, true),
        ],
      });
    if (block === 'scopes')
      sections.push({
        block,
        label: 'Données demandées',
        // One label over the list (not « Donnée » repeated per line); a sensitive scope carries a badge.
        lines: (data.scopes ?? []).length
          ? [
              (() => {
                const items = (data.scopes ?? []).map((id) => ({
                  label: scopeLabels.get(id)?.label ?? id,
                  sensitive: scopeLabels.get(id)?.sensitive === true,
                }));
                return {
                  ...line('Données demandées', items.map((item) => item.label).join(', ')),
                  items,
                };
              })(),
            ]
          : [line('Données demandées', undefined)],
      });
    if (block === 'legalBasis')
      sections.push({
        block,
        label: 'Cadre juridique',
        lines: [line('Nature', data.legalBasis?.nature), line('Texte en ligne', data.legalBasis?.url, true)],
      });
    if (block === 'personalData')
      sections.push({
        block,
        label: 'Données personnelles',
        lines: [
          line('Destinataires', data.personalData?.recipients),
          line('Durée de conservation (mois)', data.personalData?.retentionMonths),
          line('Justification de la durée', data.personalData?.retentionJustification),
        ],
      });
    if (block === 'contacts')
      for (const role of definition.contacts) {
        const contact = data.contacts?.[role] ?? {};
        sections.push({
          block,
          label: CONTACT_ROLE_LABELS[role],
          lines: CONTACT_FIELDS.map((field) => line(field.label, contact[field.name])),
        });
      }
    if (block === 'terms')
      sections.push({
        block,
        label: 'Conditions d’utilisation',
        lines: [
          line('Conditions générales acceptées', data.terms?.cguAccepted ? 'Oui' : 'Non'),
          ...(definition.contacts.includes('dpo')
            ? [
                line(
                  'Délégué·e à la protection des données informé·e',
                  data.terms?.dpoInformed ? 'Oui' : 'Non',
                ),
              ]
            : []),
        ],
      });
  }
  return sections;
}
