import type { Definition } from '../domain/definitions.ts';
import { AppError, notFound } from '../domain/errors.ts';
import {
  allowedCommands,
  COMMAND_ACTORS,
  REQUEST_STATE_LABELS,
  type RequestCommand,
  type RequestPosition,
} from '../domain/request-states.ts';
import { mayWriteRequests } from '../domain/organisation-roles.ts';
import { canBeRevision } from '../domain/request-states.ts';
import { hasStaffRole } from '../domain/roles.ts';
import { findRequestForActor, type RequestForActor, type RequestSummary } from '../store/requests.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';

/**
 * What a person may do with one request (spec §1): its organisation's members see it (and edit it, unless they
 * are readers); instructors and reporters of its definition see it from the instruction side; support sees
 * the requests waiting for it. To anyone else the request does not exist.
 */
export interface RequestAccess {
  /** Member of the organisation who may write and submit (not a reader). */
  applicant: boolean;
  member: boolean;
  instructor: boolean;
  reporter: boolean;
  support: boolean;
}

export interface VisibleRequest {
  request: RequestSummary;
  definition: Definition;
  access: RequestAccess;
  position: RequestPosition;
  /** The habilitation in force that this request granted, if any. */
  activeHabilitationId: string | null;
}

function accessTo(actor: User, found: RequestForActor): RequestAccess {
  const { request, membership } = found;
  const member = membership?.status === 'active';
  const admin = hasStaffRole(actor.staffRoles, 'admin');
  return {
    member,
    applicant: member && mayWriteRequests(membership.roles),
    instructor: admin || hasStaffRole(actor.staffRoles, 'instructeur', request.definition),
    reporter: hasStaffRole(actor.staffRoles, 'rapporteur', request.definition),
    support: admin || hasStaffRole(actor.staffRoles, 'support'),
  };
}

export function canSee(access: RequestAccess, request: RequestSummary): boolean {
  if (access.member) return true;
  // The instruction side (platform admins with it) sees what has been submitted, never an organisation's draft in
  // progress. The instruction queue (store/requests.ts listInstructionQueue) lists by the same rule.
  if ((access.instructor || access.reporter) && request.submittedAt !== null) return true;
  return access.support && request.state === 'pending_support';
}

export function mayIssue(access: RequestAccess, command: RequestCommand): boolean {
  switch (COMMAND_ACTORS[command]) {
    case 'applicant':
      return access.applicant;
    case 'instructor':
      return access.instructor;
    case 'support':
      return access.support;
  }
}

/** The commands this person can send now: allowed by the state and by their role. */
export function commandsFor(access: RequestAccess, position: RequestPosition): RequestCommand[] {
  return allowedCommands(position).filter((command) => mayIssue(access, command));
}

/**
 * The request if this person may see it; 404 otherwise, whether it exists or not. One statement reads all
 * the decision needs; callers use what it returns rather than reading the request again.
 */
export async function loadVisibleRequest(
  deps: AppDeps,
  actor: User,
  requestId: string,
): Promise<VisibleRequest> {
  const found = await findRequestForActor(deps.db, requestId, actor.id);
  if (!found) throw notFound();
  const { request, activeHabilitationId } = found;
  const access = accessTo(actor, found);
  if (!canSee(access, request)) throw notFound();
  const definition = deps.definitions.find(request.definition);
  if (!definition) throw notFound();
  const reopened = canBeRevision(request.state) && activeHabilitationId !== null;
  return { request, definition, access, position: { state: request.state, reopened }, activeHabilitationId };
}

export function invalidTransition(visible: Pick<VisibleRequest, 'access' | 'position'>): AppError {
  return new AppError({
    kind: 'InvalidTransition',
    state: visible.position.state,
    stateLabel: REQUEST_STATE_LABELS[visible.position.state],
    allowedCommands: commandsFor(visible.access, visible.position),
  });
}
