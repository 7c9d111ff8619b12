import { CSV_MEDIA_TYPE, encodeCsv } from '../domain/csv.ts';
import { INVITATION_STATUS_LABELS } from '../domain/invitation-codes.ts';
import {
  JOINED_VIA_LABELS,
  MEMBERSHIP_STATUS_LABELS,
  ORGANISATION_ROLE_LABELS,
  type OrganisationRole,
} from '../domain/organisation-roles.ts';
import { REQUEST_STATE_LABELS } from '../domain/request-states.ts';
import { listRequestsOfOrganisation } from '../store/requests.ts';
import type { User } from '../store/users.ts';
import { requireOrganisationAccess } from './organisation-access.ts';
import type { AppDeps } from './deps.ts';
import { listInvitationCodes } from './invitations.ts';
import { listMembers } from './members.ts';
import { givenTitle } from '../domain/request-form.ts';

/** A file to download: its name, media type and content (CSV conventions in domain/csv.ts). */
export interface ExportFile {
  filename: string;
  mediaType: string;
  content: string;
}

// Dates as French spreadsheets read them (25/11/2025 14:03), in metropolitan French time.
const spreadsheetDate = new Intl.DateTimeFormat('fr-FR', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/Paris',
});
const cellDate = (value: Date | null) => (value ? spreadsheetDate.format(value).replace(',', '') : '');
const cellRoles = (roles: readonly OrganisationRole[]) =>
  roles.map((role) => ORGANISATION_ROLE_LABELS[role]).join(', ');
const cellName = (person: { givenName: string; familyName: string } | null) =>
  person ? `${person.givenName} ${person.familyName}` : '';
const today = () => new Date().toISOString().slice(0, 10);

/** The member list as a spreadsheet (administrators). */
export async function exportMembers(deps: AppDeps, actor: User, siret: string): Promise<ExportFile> {
  const { organisation, members } = await listMembers(deps, actor, siret);
  return {
    filename: `membres-${organisation.siret}-${today()}.csv`,
    mediaType: CSV_MEDIA_TYPE,
    content: encodeCsv(
      [
        'Nom',
        'Prénom',
        'Adresse électronique',
        'Rôles',
        'État',
        'Rattachement',
        'Membre depuis',
        'Dernière connexion',
      ],
      members.map((member) => [
        member.familyName,
        member.givenName,
        member.email,
        cellRoles(member.roles),
        MEMBERSHIP_STATUS_LABELS[member.status],
        JOINED_VIA_LABELS[member.joinedVia],
        cellDate(member.joinedAt),
        cellDate(member.lastLoginAt),
      ]),
    ),
  };
}

/** The invitation codes, masked, as a spreadsheet (administrators). */
export async function exportInvitationCodes(deps: AppDeps, actor: User, siret: string): Promise<ExportFile> {
  const { organisation, codes } = await listInvitationCodes(deps, actor, siret);
  return {
    filename: `codes-invitation-${organisation.siret}-${today()}.csv`,
    mediaType: CSV_MEDIA_TYPE,
    content: encodeCsv(
      [
        'Créé par',
        'Code',
        'Organisation',
        'SIRET',
        'Rôles',
        'Créé le',
        'Expire le',
        'Statut',
        'Utilisé par',
        'Utilisé le',
        'Désactivé le',
      ],
      codes.map((code) => [
        cellName(code.createdBy),
        code.maskedCode,
        organisation.name,
        organisation.siret,
        cellRoles(code.roles),
        cellDate(code.createdAt),
        cellDate(code.expiresAt),
        INVITATION_STATUS_LABELS[code.status],
        code.usedBy ? `${cellName(code.usedBy)} (${code.usedBy.email})` : '',
        cellDate(code.usedAt),
        cellDate(code.deactivatedAt),
      ]),
    ),
  };
}

/** The organisation's access requests as a spreadsheet (every active member sees them). */
export async function exportRequests(deps: AppDeps, actor: User, siret: string): Promise<ExportFile> {
  const { organisation } = await requireOrganisationAccess(deps.db, actor, siret, 'member');
  const requests = await listRequestsOfOrganisation(deps.db, organisation.id);
  return {
    filename: `demandes-${organisation.siret}-${today()}.csv`,
    mediaType: CSV_MEDIA_TYPE,
    content: encodeCsv(
      [
        'Intitulé',
        'API',
        'État',
        'Version',
        'Demandeur',
        'Créée le',
        'Soumise le',
        'Décidée le',
        'Identifiant',
      ],
      requests.map((request) => [
        givenTitle(request.data) ?? '',
        deps.definitions.find(request.definition)?.name ?? request.definition,
        REQUEST_STATE_LABELS[request.state],
        String(request.revision),
        request.author ? `${request.author.givenName} ${request.author.familyName}` : '',
        cellDate(request.createdAt),
        cellDate(request.submittedAt),
        cellDate(request.decidedAt),
        request.id,
      ]),
    ),
  };
}
