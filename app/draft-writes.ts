import { notFound } from '../domain/errors.ts';
import { isEditable } from '../domain/request-states.ts';
import type { Queryable } from '../store/pool.ts';
import { recordRequestEvent, type NewRequestEvent } from '../store/request-events.ts';
import { touchEditableRequest } from '../store/requests.ts';
import type { User } from '../store/users.ts';
import type { AppDeps } from './deps.ts';
import { invalidTransition, loadVisibleRequest, type VisibleRequest } from './request-access.ts';

/**
 * Every change of a request's form — a saved field, a file added or removed — goes through here: the person
 * must be one of the organisation's applicants (a reader is not) and the request editable, or nothing is
 * written. `write` makes the change conditional on the request still being editable and answers undefined
 * when it was not: a submission won the race (409 with the state as it now is), or, the request being still
 * editable, what it meant to change is not there (404).
 */
export async function writeDraft<T>(
  deps: AppDeps,
  actor: User,
  requestId: string,
  write: (visible: VisibleRequest) => Promise<T | undefined>,
): Promise<{ visible: VisibleRequest; written: T }> {
  const visible = await loadVisibleRequest(deps, actor, requestId);
  if (!visible.access.applicant) throw notFound();
  if (!isEditable(visible.request.state)) throw invalidTransition(visible);
  const written = await write(visible);
  if (written !== undefined) return { visible, written };
  const now = await loadVisibleRequest(deps, actor, requestId);
  if (isEditable(now.request.state)) throw notFound();
  throw invalidTransition(now);
}

/**
 * In the transaction of a change other than the form's data: the request counts as edited now (the draft
 * timers start again) and its timeline says what changed.
 */
export async function recordDraftChange(
  tx: Queryable,
  visible: VisibleRequest,
  event: Pick<NewRequestEvent, 'type' | 'actorId' | 'details'>,
): Promise<void> {
  await touchEditableRequest(tx, visible.request.id);
  await recordRequestEvent(tx, {
    requestId: visible.request.id,
    revision: visible.request.revision,
    ...event,
  });
}
