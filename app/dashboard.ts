import { DEFINITION_ROLES, definitionsOfStaff, hasStaffRole } from '../domain/roles.ts';
import { countSubmittedByDefinition, latestChangeReasons } from '../store/dashboard.ts';
import type { RequestSummary } from '../store/requests.ts';
import type { EndingPassword } from '../store/technical-accounts.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { countSupportQueue } from './support.ts';
import { listEndingPasswords } from './technical-accounts.ts';
import { listMyHabilitations, type HabilitationView } from './tokens.ts';
import { listMyRequests } from './requests.ts';

export interface WaitingForInstruction {
  definition: string;
  definitionName: string;
  waiting: number;
}

export interface Dashboard {
  /** The requests of the organisations the person is an active member of, most recently changed first. */
  requests: RequestSummary[];
  /** For the requests sent back to the applicant: the instructor's reason, by request id. */
  changeReasons: Map<string, string>;
  /** Their habilitations with their tokens (same rule as the token pages: active memberships only). */
  habilitations: HabilitationView[];
  /** For instructors and reporters: submitted requests per definition they work on. */
  instruction?: WaitingForInstruction[];
  /** For support and platform admins: memberships waiting for a decision. */
  supportQueueLength?: number;
  /**
   * For main managers: their technical accounts whose password ends within the first reminder's distance (the
   * email's warning, kept in sight), or has ended.
   */
  endingPasswords: EndingPassword[];
}

/**
 * Everything the dashboard shows, each part through the function that decides who sees it: a person reads only
 * the requests and credentials of the organisations they belong to, and the queues their staff roles open.
 */
export async function viewDashboard(deps: AppDeps, actor: User): Promise<Dashboard> {
  const instructs = DEFINITION_ROLES.some((role) => hasStaffRole(actor.staffRoles, role));
  const supports = hasStaffRole(actor.staffRoles, 'support') || hasStaffRole(actor.staffRoles, 'admin');
  const warnedAhead = Math.max(0, ...deps.credentials.settings.technicalAccountReminderOffsetsMs);
  const [requests, habilitations, instruction, supportQueueLength, endingPasswords] = await Promise.all([
    listMyRequests(deps, actor),
    listMyHabilitations(deps, actor),
    instructs ? waitingForInstruction(deps, actor) : undefined,
    supports ? countSupportQueue(deps, actor) : undefined,
    listEndingPasswords(deps, actor, new Date(Date.now() + warnedAhead)),
  ]);
  // Read for the requests the person was just allowed to list, and only those waiting on them.
  const changeReasons = await latestChangeReasons(
    deps.db,
    requests.filter((request) => request.state === 'changes_requested').map((request) => request.id),
  );
  return { requests, changeReasons, habilitations, instruction, supportQueueLength, endingPasswords };
}

async function waitingForInstruction(deps: AppDeps, actor: User): Promise<WaitingForInstruction[]> {
  const definitions = definitionsOfStaff(actor.staffRoles);
  const counts = await countSubmittedByDefinition(deps.db, definitions);
  return deps.definitions
    .list()
    .filter((definition) => definitions === null || definitions.includes(definition.slug))
    .map((definition) => ({
      definition: definition.slug,
      definitionName: definition.name,
      waiting: counts.get(definition.slug) ?? 0,
    }));
}
