/**
 * The life of an access request (spec §3) as plain data and one pure function. The request workflow uses it
 * to accept or refuse a command; the pages use it to show only the actions that can succeed.
 */
export const REQUEST_STATES = [
  'draft',
  'submitted',
  'pending_support',
  'changes_requested',
  'validated',
  'refused',
  'archived',
  'revoked',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const REQUEST_COMMANDS = [
  'submit',
  'archive',
  'reopen',
  'approve',
  'refuse',
  'request_changes',
  'revoke',
  'resolve',
] as const;
export type RequestCommand = (typeof REQUEST_COMMANDS)[number];

/** Events the platform itself causes: the organisation check at submission, the inactivity timer. */
export type SystemEvent = 'organisation_check_failed' | 'inactivity_archive';

/** Who may issue a command: a member of the organisation, an instructor of the definition, or support. */
export type CommandActor = 'applicant' | 'instructor' | 'support';

export const COMMAND_ACTORS: Record<RequestCommand, CommandActor> = {
  submit: 'applicant',
  archive: 'applicant',
  reopen: 'applicant',
  approve: 'instructor',
  refuse: 'instructor',
  request_changes: 'instructor',
  revoke: 'instructor',
  resolve: 'support',
};

const TABLE: Record<RequestState, Partial<Record<RequestCommand | SystemEvent, RequestState>>> = {
  draft: { submit: 'submitted', archive: 'archived', inactivity_archive: 'archived' },
  changes_requested: { submit: 'submitted', archive: 'archived', inactivity_archive: 'archived' },
  submitted: {
    organisation_check_failed: 'pending_support',
    request_changes: 'changes_requested',
    approve: 'validated',
    refuse: 'refused',
  },
  pending_support: { resolve: 'submitted' },
  validated: { revoke: 'revoked', reopen: 'draft' },
  refused: {},
  archived: {},
  revoked: {},
};

export const FINAL_STATES: readonly RequestState[] = ['refused', 'archived', 'revoked'];

export interface RequestPosition {
  state: RequestState;
  /**
   * The request is a new revision of a validated one, whose habilitation is still in force. The spec's table
   * is silent on how such a revision ends without approval; ending the request would leave a habilitation
   * that could no longer be revoked or updated, so a refused or archived revision falls back to `validated`
   * and the habilitation carries on unchanged.
   */
  reopened: boolean;
}

/**
 * Whether a request in this state can be a revision of a validated one (then it is, when its habilitation is
 * still active): neither validated itself nor ended.
 */
export function canBeRevision(state: RequestState): boolean {
  return state !== 'validated' && !FINAL_STATES.includes(state);
}

/** The state a command or platform event leads to, or undefined when it is not allowed from here. */
export function nextState(
  position: RequestPosition,
  event: RequestCommand | SystemEvent,
): RequestState | undefined {
  const target = TABLE[position.state][event];
  if (target === undefined) return undefined;
  if (position.reopened && (target === 'refused' || target === 'archived')) return 'validated';
  return target;
}

export function allowedCommands(position: RequestPosition): RequestCommand[] {
  return REQUEST_COMMANDS.filter((command) => nextState(position, command) !== undefined);
}

/** The form can be changed (saved, attachments added or removed) only in these states. */
export const EDITABLE_STATES: readonly RequestState[] = ['draft', 'changes_requested'];

export function isEditable(state: RequestState): boolean {
  return EDITABLE_STATES.includes(state);
}

export const REQUEST_STATE_LABELS: Record<RequestState, string> = {
  draft: 'Brouillon',
  submitted: 'Soumise',
  pending_support: 'En attente du support',
  changes_requested: 'Modifications demandées',
  validated: 'Validée',
  refused: 'Refusée',
  archived: 'Archivée',
  revoked: 'Révoquée',
};

export const REQUEST_COMMAND_LABELS: Record<RequestCommand, string> = {
  submit: 'Soumettre la demande',
  archive: 'Archiver',
  reopen: 'Mettre à jour la demande',
  approve: 'Valider',
  refuse: 'Refuser',
  request_changes: 'Demander des modifications',
  revoke: 'Révoquer',
  resolve: 'Lever le blocage',
};
