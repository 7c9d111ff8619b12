import { z } from 'zod';
import type { AppDeps } from '../app/deps.ts';
import {
  addNote,
  askOpinion,
  assignSchema,
  assignToMe,
  giveOpinion,
  listEvents,
  listMessages,
  listNotes,
  listQueue,
  listRequestOpinions,
  messageSchema,
  opinionAnswerSchema,
  opinionRequestSchema,
  postMessage,
  queueQuerySchema,
  submissionChanges,
} from '../app/instruction.ts';
import type { RequestMessage } from '../store/request-messages.ts';
import { ACCESS } from './access-policies.ts';
import { defineRoute } from './route.ts';
import { toRequestSummary } from './request-routes.ts';
import { errorSchema } from './schemas.ts';
import { idSchema } from '../domain/identifiers.ts';

const idParams = z.object({ id: idSchema });

const personSchema = z.object({ id: z.uuid(), givenName: z.string(), familyName: z.string() }).nullable();

const messageResourceSchema = z
  .object({
    id: z.uuid(),
    side: z.enum(['organisation', 'instruction']),
    body: z.string(),
    author: personSchema,
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'RequestMessage' });

const toMessage = (message: RequestMessage) => ({
  id: message.id,
  side: message.side,
  body: message.body,
  author: message.author,
  createdAt: message.createdAt.toISOString(),
});

const eventSchema = z
  .object({
    id: z.number().int(),
    revision: z.number().int(),
    type: z.string(),
    actor: personSchema,
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    internal: z.boolean(),
    details: z.record(z.string(), z.unknown()),
    text: z.string().nullable().meta({ description: 'The reason given with a decision.' }),
    occurredAt: z.iso.datetime(),
  })
  .meta({ id: 'RequestEvent' });

const created = z.object({ id: z.uuid() });

export function instructionRoutes(deps: AppDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/instruction/requests',
      summary: 'Instruction queue',
      description:
        'Requests submitted at least once (never a draft in progress), oldest submission first, 20 per page, with age against the definition’s SLA. Without `state`: submitted and pending_support. `q` searches title, organisation name, SIRET and applicant.',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructionQueue,
      query: queueQuerySchema,
      responses: {
        200: {
          description: 'One page of the queue.',
          schema: z.object({
            items: z.array(
              z.object({
                request: z.record(z.string(), z.unknown()),
                ageDays: z.number().int(),
                slaDays: z.number().int(),
                overdue: z.boolean(),
              }),
            ),
            total: z.number().int(),
            page: z.number().int(),
            pageSize: z.number().int(),
          }),
        },
        403: { description: 'Not an instructor or reporter.', schema: errorSchema },
      },
      handler: async ({ user, query }) => {
        const page = await listQueue(deps, user, query);
        return {
          status: 200,
          body: {
            items: page.items.map((item) => ({
              request: toRequestSummary(item),
              ageDays: item.ageDays,
              slaDays: item.slaDays,
              overdue: item.overdue,
            })),
            total: page.total,
            page: page.page,
            pageSize: page.pageSize,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:id/events',
      summary: 'The timeline of a request',
      description:
        'Every transition and action with actor and time; internal events only for the instruction side.',
      tags: ['Requests'],
      auth: 'session',
      access: ACCESS.requestReaders,
      params: idParams,
      responses: {
        200: { description: 'Oldest first.', schema: z.array(eventSchema) },
        404: { description: 'Unknown, or not visible to this user.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listEvents(deps, user, params.id)).map((event) => ({
          ...event,
          actor: event.actor,
          occurredAt: event.occurredAt.toISOString(),
        })),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:id/changes',
      summary: 'What changed since the previous submission',
      tags: ['Requests'],
      auth: 'session',
      access: ACCESS.requestReaders,
      params: idParams,
      responses: {
        200: {
          description: 'Field by field, between the two latest submissions.',
          schema: z.object({
            current: z.number().int().nullable(),
            previous: z.number().int().nullable(),
            changes: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
            attachmentsAdded: z.array(z.string()),
            attachmentsRemoved: z.array(z.string()),
          }),
        },
        404: { description: 'Unknown, or not visible to this user.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: await submissionChanges(deps, user, params.id),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:id/messages',
      summary: 'The message thread of a request',
      tags: ['Requests'],
      auth: 'session',
      access: ACCESS.requestConversation,
      params: idParams,
      responses: {
        200: { description: 'Oldest first.', schema: z.array(messageResourceSchema) },
        404: { description: 'Unknown, or not visible to this user.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listMessages(deps, user, params.id)).map(toMessage),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:id/messages',
      summary: 'Write in the message thread',
      description: 'By a member of the organisation or an instructor; emailed to the other side.',
      tags: ['Requests'],
      auth: 'session',
      access: ACCESS.requestThread,
      params: idParams,
      body: messageSchema,
      responses: {
        201: { description: 'Sent.', schema: created },
        404: { description: 'Unknown, or not visible to this user.', schema: errorSchema },
        429: { description: 'Too many messages by this person; see Retry-After.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 201,
        body: { id: (await postMessage(deps, user, params.id, body)).id },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:id/notes',
      summary: 'Internal notes',
      description: 'Instruction side only; never shown to the organisation (404 for it).',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructionSide,
      params: idParams,
      responses: {
        200: { description: 'Oldest first.', schema: z.array(messageResourceSchema) },
        404: { description: 'Unknown, or not on the instruction side.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listNotes(deps, user, params.id)).map(toMessage),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:id/notes',
      summary: 'Write an internal note',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructors,
      params: idParams,
      body: messageSchema,
      responses: {
        201: { description: 'Written.', schema: created },
        404: { description: 'Unknown, or not an instructor of this request.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 201,
        body: { id: await addNote(deps, user, params.id, body) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:id/assign',
      summary: 'Take (or give back) a request',
      description: '`{"assign": false}` gives it back.',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructors,
      params: idParams,
      body: assignSchema,
      responses: {
        200: { description: 'Assigned.', schema: z.object({ assigneeId: z.uuid().nullable() }) },
        404: { description: 'Unknown, or not an instructor of this request.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 200,
        body: await assignToMe(deps, user, params.id, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:id/opinions',
      summary: 'Opinions asked of reporters',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructionSide,
      params: idParams,
      responses: {
        200: {
          description: 'Oldest first.',
          schema: z.array(
            z.object({
              id: z.uuid(),
              reporter: z.object({ id: z.uuid(), givenName: z.string(), familyName: z.string() }),
              question: z.string(),
              answer: z.string().nullable(),
              askedAt: z.iso.datetime(),
              answeredAt: z.iso.datetime().nullable(),
            }),
          ),
        },
        404: { description: 'Unknown, or not on the instruction side.', schema: errorSchema },
      },
      handler: async ({ user, params }) => ({
        status: 200,
        body: (await listRequestOpinions(deps, user, params.id)).map((opinion) => ({
          id: opinion.id,
          reporter: {
            id: opinion.reporter.id,
            givenName: opinion.reporter.givenName,
            familyName: opinion.reporter.familyName,
          },
          question: opinion.question,
          answer: opinion.answer,
          askedAt: opinion.askedAt.toISOString(),
          answeredAt: opinion.answeredAt?.toISOString() ?? null,
        })),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:id/opinions',
      summary: 'Ask a reporter for an opinion',
      description: 'The reporter (of this definition) is emailed and answers on the request page.',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.instructors,
      params: idParams,
      body: opinionRequestSchema,
      responses: {
        201: { description: 'Asked.', schema: created },
        404: { description: 'Unknown, or not an instructor of this request.', schema: errorSchema },
        422: { description: 'Not a reporter of this definition, or no question.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => ({
        status: 201,
        body: { id: await askOpinion(deps, user, params.id, body) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:id/opinions/answer',
      summary: 'Give an opinion',
      description: 'By the reporter it was asked of, once.',
      tags: ['Instruction'],
      auth: 'session',
      access: ACCESS.askedReporter,
      params: idParams,
      body: opinionAnswerSchema,
      responses: {
        204: { description: 'Recorded.' },
        404: { description: 'Unknown request or opinion, or not this reporter’s.', schema: errorSchema },
        409: { description: 'Already given.', schema: errorSchema },
      },
      handler: async ({ user, params, body }) => {
        await giveOpinion(deps, user, params.id, body);
        return { status: 204 };
      },
    }),
  ];
}
