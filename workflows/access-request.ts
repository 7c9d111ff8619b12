import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CredentialActivities } from '../activities/credentials.ts';
import type { OrganisationCheck, RequestActivities } from '../activities/requests.ts';
import type { RequestTimers } from '../domain/request-timers.ts';
import {
  FINAL_STATES,
  isEditable,
  nextState,
  type RequestCommand,
  type RequestPosition,
  type RequestState,
  type SystemEvent,
} from '../domain/request-states.ts';

export interface AccessRequestInput {
  requestId: string;
  timers: RequestTimers;
  /** Longest attempt of an activity before it is retried (a worker that died mid-way). */
  activityTimeoutMs: number;
  /** Where the previous run left the request, when this run continues it (continue-as-new). */
  continuedFrom?: RequestPosition & { version: number };
}

/**
 * A command as it travels through Temporal: identifiers only. Free text (a refusal reason) is written to
 * Postgres first and referenced by `textId`; scopes are identifiers of the definition.
 */
export interface CommandInput {
  command: RequestCommand;
  actorId: string;
  scopes?: string[];
  textId?: string;
  /**
   * The request's version in the row the caller read before sending (absent from callers of the previous
   * version): the workflow judges the command on a position at least that recent.
   */
  seenVersion?: number;
}

export type CommandResult =
  | { outcome: 'applied'; state: RequestState; version: number; habilitationId?: string }
  | { outcome: 'incomplete'; state: RequestState; version: number };

type CheckFailure = Exclude<OrganisationCheck, 'ok'>;

export const requestWorkflowId = (requestId: string) => `request-${requestId}`;

export const commandUpdate = defineUpdate<CommandResult, [CommandInput]>('command');
export const positionQuery = defineQuery<RequestPosition & { version: number }>('position');

/** The failure type the app maps to "409, here is the current state". */
export const INVALID_TRANSITION = 'InvalidTransition';

/**
 * One access request, from its creation to a final state. It is the single writer of the request's state:
 * every command arrives as the `command` update, is checked against the transition table, and is applied by
 * an activity that writes the new state and its event in one transaction. It also runs the request's timers:
 * the draft reminder and auto-archive, and the instruction SLA reminder.
 */
export async function accessRequest(input: AccessRequestInput): Promise<RequestState> {
  const { requestId, timers } = input;
  // Since this patch, a command's short transactions run as local activities: the whole command — transition,
  // habilitation, credential — is decided in the workflow task that received it, with no round trip through
  // the task queue for each step; and the workflow continues as new when its history grows long. Histories
  // recorded before it replay on the path they took.
  const lean = patched('local-transitions');
  // Since this patch, a command is judged on a position at least as recent as the row its caller read: the
  // validator refuses only when nothing is in progress and the position is that recent, otherwise the handler
  // judges the command in its turn; and a workflow that finds the row ahead of it (a transition committed by a
  // worker that died before recording it, the command not delivered again) catches up from the row.
  const judgedCaughtUp = patched('judged-caught-up');
  const retry = { initialInterval: '500ms', maximumInterval: '30s' };
  const proxy = lean ? proxyLocalActivities : proxyActivities;
  const acts = proxy<RequestActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    retry: { ...retry, nonRetryableErrorTypes: ['RequestMissing', 'VersionConflict'] },
  });
  const credentials = proxy<CredentialActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    retry: { ...retry, nonRetryableErrorTypes: ['UnknownHabilitation'] },
  });
  // The directory check calls an outside service that may be slow or down for a while: a regular activity. (A
  // local first attempt was measured slower: the workflow task that answers the submission would wait for it.)
  const { checkOrganisation } = proxyActivities<RequestActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    // Commands wait for the check: a worker that died holding it is given up on within seconds (the activity
    // heartbeats), not after the whole start-to-close timeout, which leaves room for a slow directory.
    heartbeatTimeout: '5s',
    retry: { ...retry, nonRetryableErrorTypes: ['RequestMissing'] },
  });
  // The request row commits just after this workflow is started: wait for it, soon again at first (the commit
  // is a moment away), but not for ever.
  const rowWait = {
    startToCloseTimeout: input.activityTimeoutMs,
    scheduleToCloseTimeout: '10 minutes',
    retry: lean ? { initialInterval: '20ms', maximumInterval: '30s' } : retry,
  } as const;
  // Since this patch, past a second of back-off the wait is a timer in Temporal instead of a loop inside the
  // worker, which kept a worker holding a request whose row never came (its web process died before the
  // commit) from stopping on SIGTERM for up to 10 minutes.
  const { loadRequestPosition } =
    lean && patched('row-wait-timers')
      ? proxyLocalActivities<RequestActivities>({ ...rowWait, localRetryThreshold: '1s' })
      : proxy<RequestActivities>(rowWait);
  const continueAsNewDue = () => lean && workflowInfo().continueAsNewSuggested;
  const { ensureHabilitationOfApproval } = proxy<RequestActivities>({
    startToCloseTimeout: input.activityTimeoutMs,
    retry: { ...retry, nonRetryableErrorTypes: ['RequestMissing'] },
  });

  // Every request starts as a fresh draft; handlers are registered before the first await so that a command
  // arriving at once is not rejected, and they wait until the row is confirmed.
  // A continued run knows where the request stands from its first moment: a command arriving before anything
  // else runs is judged on the real position, not on a fresh draft's.
  let position: RequestPosition & { version: number } = input.continuedFrom ?? {
    state: 'draft',
    version: 0,
    reopened: false,
  };
  let loaded = input.continuedFrom !== undefined;
  const current = () => position;
  setHandler(positionQuery, () => position);

  // Commands and timers take turns: one change at a time, each starting from the state the last one left.
  let busy = false;
  const exclusively = async <T>(work: () => Promise<T>): Promise<T> => {
    await condition(() => !busy && loaded);
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
    }
  };

  const refuse = (event: string) =>
    ApplicationFailure.create({
      type: INVALID_TRANSITION,
      message: `${event} is not allowed in state ${current().state}`,
      nonRetryable: true,
      // The position the refusal was decided on, so the caller's answer says what is allowed from there.
      details: [current().state, current().reopened],
    });

  const apply = async (
    event: RequestCommand | SystemEvent,
    command: Omit<CommandInput, 'command'> | { actorId: null; checkFailure?: CheckFailure },
  ): Promise<CommandResult> => {
    const to = nextState(current(), event);
    if (to === undefined) throw refuse(event);
    const result = await acts.transitionRequest({
      requestId,
      fromVersion: current().version,
      event,
      to,
      actorId: command.actorId,
      scopes: 'scopes' in command ? command.scopes : undefined,
      textId: 'textId' in command ? command.textId : undefined,
      checkFailure: 'checkFailure' in command ? command.checkFailure : undefined,
    });
    position = { state: result.state, version: result.version, reopened: result.reopened };
    if (result.outcome === 'incomplete')
      return { outcome: 'incomplete', state: result.state, version: result.version };
    if (event === 'approve') {
      const { habilitationId } = await acts.createHabilitation({
        requestId,
        revision: result.revision,
        scopes: result.grantedScopes,
        approvedBy: command.actorId,
      });
      // The habilitation's credential (a token, for definitions that use them), exactly once: the activity is
      // idempotent on the habilitation. Histories recorded before credentials existed replay without it.
      if (patched('credential-issuance')) await credentials.issueCredentials(habilitationId);
      return { outcome: 'applied', state: result.state, version: result.version, habilitationId };
    }
    return { outcome: 'applied', state: result.state, version: result.version };
  };

  let organisationCheckDue = false;

  /**
   * Adopts the row's position when it is ahead of this one (`seen`: the version a caller read; undefined: read
   * the row anyway), with what the missed transition owed: the organisation check of a submission, the
   * habilitation and credentials of an approval — each idempotent. Runs in its turn (inside `exclusively`).
   */
  const catchUp = async (seen: number | undefined): Promise<void> => {
    if (seen !== undefined && seen <= current().version) return;
    const row = await loadRequestPosition(requestId);
    if (row.version <= current().version) return;
    log.warn('the request row is ahead of its workflow: catching up', {
      requestId,
      from: current().version,
      to: row.version,
    });
    position = row;
    if (row.state === 'submitted') organisationCheckDue = true;
    if (row.state === 'validated') {
      const approved = await ensureHabilitationOfApproval(requestId);
      if (approved) await credentials.issueCredentials(approved.habilitationId);
    }
  };

  setHandler(
    commandUpdate,
    (command) =>
      exclusively(async () => {
        if (judgedCaughtUp) await catchUp(command.seenVersion);
        const result = await apply(command.command, command);
        if (command.command === 'submit' && result.outcome === 'applied') organisationCheckDue = true;
        return result;
      }),
    {
      validator: (command) => {
        // A position that may still move before this command's turn (another command in progress, or behind
        // the row the caller read) does not refuse: the handler judges the command once it is its turn.
        const settled = !busy && loaded && (command.seenVersion ?? 0) <= current().version;
        if (judgedCaughtUp && !settled) return;
        if (nextState(current(), command.command) === undefined) throw refuse(command.command);
      },
    },
  );

  if (!loaded) {
    try {
      position = await loadRequestPosition(requestId);
      loaded = true;
    } catch {
      log.warn('access request never written; workflow abandoned', { requestId });
      return 'archived';
    }
  }

  while (!FINAL_STATES.includes(current().state)) {
    const entered = current().version;
    const moved = () => current().version !== entered;
    if (continueAsNewDue() && !organisationCheckDue) {
      // A validated request lives for years: a fresh history, from the position this run holds. Commands
      // already accepted finish first; new ones wait for the next run.
      await condition(() => !busy && allHandlersFinished());
      await continueAsNew<typeof accessRequest>({ ...input, continuedFrom: current() });
    }
    if (organisationCheckDue) {
      organisationCheckDue = false;
      await exclusively(async () => {
        if (current().state !== 'submitted') return;
        const check = await checkOrganisation(requestId);
        if (check !== 'ok') await apply('organisation_check_failed', { actorId: null, checkFailure: check });
      });
    } else if (isEditable(current().state)) {
      await watchDraft(entered, moved);
    } else if (current().state === 'submitted') {
      const wake = () => moved() || organisationCheckDue || continueAsNewDue();
      if (!(await condition(wake, timers.instructionSlaMs))) {
        await acts.remindInstructors(requestId, entered);
        await condition(wake);
      }
    } else {
      await condition(() => moved() || organisationCheckDue || continueAsNewDue());
    }
  }
  await condition(allHandlersFinished);
  return current().state;

  /** Reminds the applicant after a quiet spell, then archives the draft if it stays quiet. */
  async function watchDraft(entered: number, moved: () => boolean): Promise<void> {
    let remindedFor: number | undefined;
    while (!moved()) {
      const idle = await acts.draftIdleTime(requestId);
      // No longer editable by the row while this position says it is, nothing in progress: the row is ahead.
      if (idle === null && judgedCaughtUp && !moved()) await exclusively(() => catchUp(undefined));
      if (idle === null || moved()) return;
      const reminded = remindedFor === idle.editedAtMs;
      const due = reminded ? timers.draftReminderMs + timers.draftArchiveMs : timers.draftReminderMs;
      if (idle.idleMs < due) {
        await condition(() => moved() || organisationCheckDue || continueAsNewDue(), due - idle.idleMs);
        if (organisationCheckDue || continueAsNewDue()) return;
        continue;
      }
      if (!reminded) {
        await acts.remindApplicant(
          requestId,
          idle.editedAtMs,
          idle.editedAtMs + timers.draftReminderMs + timers.draftArchiveMs,
        );
        remindedFor = idle.editedAtMs;
        continue;
      }
      await exclusively(async () => {
        if (current().version === entered) await apply('inactivity_archive', { actorId: null });
      });
      return;
    }
  }
}
