import type { QueuePage, QueueScope } from '../../app/instruction.ts';
import type { DefinitionCatalog } from '../../domain/definitions.ts';
import { requestTitle } from '../../domain/request-form.ts';
import { REQUEST_STATE_LABELS, REQUEST_STATES } from '../../domain/request-states.ts';
import { paginationView } from './pagination.ts';
import { personName } from './people.ts';
import { requestStateBadge } from './request-state.ts';

/** The queue's filters as typed: a value that is not text (a repeated parameter) is not echoed back. */
export interface QueueFilters {
  definition: string;
  state: string;
  q: string;
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

export function queueFilters(query: Record<string, unknown>): QueueFilters {
  return { definition: textOf(query.definition), state: textOf(query.state), q: textOf(query.q) };
}

/**
 * The instruction queue page: filters, one row per request in four columns (the request and its API, the
 * organisation and who asked, when it was submitted against the deadline, its state) so that it fits 1,200 px,
 * and what an empty queue means for this person.
 */
export function queueView(
  catalog: DefinitionCatalog,
  viewer: { id: string },
  scope: QueueScope,
  filters: QueueFilters,
  page: QueuePage | undefined,
  errors: Record<string, string> | undefined,
) {
  const linkTo = (pageNumber: number) => {
    const params = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
    if (pageNumber > 1) params.set('page', String(pageNumber));
    const search = params.toString();
    return search ? `/instruction?${search}` : '/instruction';
  };
  const total = page?.total ?? 0;
  const filtered = filters.definition !== '' || filters.state !== '' || filters.q !== '';
  const support = scope.onlyState !== null;
  const pagination = page && paginationView(page.page, Math.max(1, Math.ceil(total / page.pageSize)), linkTo);
  return {
    title: support ? 'Demandes en attente du support' : 'Demandes à instruire',
    support,
    adminOnly: scope.adminOnly,
    filters,
    errors: errors ?? {},
    errorList: errors ? Object.values(errors) : [],
    definitions: catalog
      .list()
      .filter((definition) => scope.definitions === null || scope.definitions.includes(definition.slug))
      .map((definition) => ({
        slug: definition.slug,
        name: definition.name,
        selected: definition.slug === filters.definition,
      })),
    states: REQUEST_STATES.map((state) => ({
      value: state,
      label: REQUEST_STATE_LABELS[state],
      selected: state === filters.state,
    })),
    total,
    /** Nothing waits at all (no filter narrowed the list): the page says what the queue is for. */
    emptyQueue: !errors && total === 0 && !filtered,
    items: (page?.items ?? []).map((item) => ({
      href: `/instruction/demandes/${item.id}`,
      title: requestTitle(item.data),
      definitionName: catalog.find(item.definition)?.name ?? item.definition,
      organisation: item.organisation,
      applicant: personName(item.author),
      submittedAt: item.submittedAt,
      age: waitingFor(item.ageDays, item.slaDays),
      overdue: item.overdue,
      assigned: item.assigneeId === viewer.id,
      state: requestStateBadge(item.state),
    })),
    pagination,
  };
}

const days = (count: number) => `${count} jour${count > 1 ? 's' : ''}`;

/** How long a submission has waited against the definition's delay, in words ("0 j" read as nothing). */
function waitingFor(ageDays: number, slaDays: number): string {
  const age = ageDays < 1 ? 'soumise aujourd’hui' : `en attente depuis ${days(ageDays)}`;
  return `${age}, délai d’instruction : ${days(slaDays)}`;
}
