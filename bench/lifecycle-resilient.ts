import type { Client } from '@temporalio/client';
import { ApiClient, type ApiAnswer } from './lifecycle-client.ts';
import { startPlatformProcess, type PlatformProcess } from './lifecycle-processes.ts';
import type { Applicant } from './lifecycle-seed.ts';

/**
 * Access-request lifecycles through the JSON API, run the way a person runs them while the platform's
 * processes die under them — shared by the cluster check (cluster/check.ts) and the chaos run
 * (cluster/chaos.ts). A call whose web process died is sent again (a load balancer's retry); a command that
 * answered 503, or whose answer was lost, is followed by reading the request, and sent again only if its effect
 * is not there. Every answer is counted, and handed to `observe` with the times it was sent and answered.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------
// The platform's processes, each one restartable

export interface Replica {
  name: string;
  kind: 'web' | 'worker';
  url?: string;
  /** The running process; undefined until the first start. */
  current?: PlatformProcess;
  starts: number;
  /** From spawn to ready (web: /readyz answers 200; worker: its identity polls the task queue). */
  readyMs: number[];
}

export async function pollerIdentities(temporal: Client, taskQueue: string): Promise<Set<string>> {
  const answer = await temporal.workflowService.describeTaskQueue({
    namespace: temporal.options.namespace,
    taskQueue: { name: taskQueue },
  });
  return new Set((answer.pollers ?? []).map((poller) => poller.identity ?? ''));
}

export async function waitUntilReady(replica: Replica, temporal: Client, taskQueue: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const current = replica.current!;
    if (!current.running) throw new Error(`${replica.name} exited during start-up:\n${current.tail()}`);
    if (Date.now() > deadline) throw new Error(`${replica.name} was not ready within 120 s`);
    if (replica.kind === 'web') {
      const ok = await fetch(`${replica.url}/readyz`).then(
        async (response) => (await response.arrayBuffer(), response.status === 200),
        () => false,
      );
      if (ok) return;
    } else {
      // A worker identity is `pid@host`: this process polls once its identity is among the pollers. The
      // server may be restarting: not an answer yet.
      const identities = await pollerIdentities(temporal, taskQueue).catch(() => new Set<string>());
      if ([...identities].some((identity) => identity.startsWith(`${current.pid}@`))) return;
    }
    await sleep(100);
  }
}

/**
 * (Re)starts a replica from the compiled build and waits until it is ready; `children` collects every process
 * for the synchronous last-resort kill.
 */
export async function startReplica(
  replica: Replica,
  context: {
    root: string;
    env: Record<string, string>;
    temporal: Client;
    taskQueue: string;
    children: PlatformProcess[];
    quiet?: boolean;
    onLine?: (line: string) => void;
  },
): Promise<void> {
  const began = performance.now();
  const entry = replica.kind === 'web' ? 'dist/runtime/web-main.js' : 'dist/runtime/worker-main.js';
  const port: Record<string, string> = replica.url === undefined ? {} : { PORT: new URL(replica.url).port };
  replica.current = await startPlatformProcess({
    name: replica.name,
    args: ['--enable-source-maps', entry],
    cwd: context.root,
    env: { ...context.env, ...port },
    quiet: context.quiet,
    onLine: context.onLine,
  });
  context.children.push(replica.current);
  replica.starts += 1;
  await waitUntilReady(replica, context.temporal, context.taskQueue);
  replica.readyMs.push(Math.round(performance.now() - began));
}

/** A person's session, spread over the web processes that are up (sessions live in PostgreSQL). */
export function sessionOver(webs: Replica[]): ApiClient {
  let next = Math.floor(Math.random() * webs.length);
  return new ApiClient(() => {
    for (let tried = 0; tried < webs.length; tried += 1) {
      const web = webs[(next += 1) % webs.length]!;
      if (web.current?.running) return web.url!;
    }
    return webs[next % webs.length]!.url!;
  });
}

// ---------------------------------------------------------------------------------------------------------
// The load

export interface Counters {
  commandsSent: number;
  acknowledged: number;
  /** Retried because the web process answering died, or the call hit a restarting one. */
  networkErrors: number;
  answered503: number;
  /** The command had landed although its answer was lost (read back from the request's state). */
  landedUnacknowledged: number;
  answered409: number;
  /** 409 answers whose allowedCommands list the command refused (issue 12: the row and the workflow disagree). */
  selfContradicting409: number;
  /** 409 answers to a command that had not landed and that a later attempt applied: a refusal in error. */
  refusedThenApplied: number;
  other5xx: { step: string; status: number; body: string }[];
}

export function newCounters(): Counters {
  return {
    commandsSent: 0,
    acknowledged: 0,
    networkErrors: 0,
    answered503: 0,
    landedUnacknowledged: 0,
    answered409: 0,
    selfContradicting409: 0,
    refusedThenApplied: 0,
    other5xx: [],
  };
}

/** One HTTP exchange: when it left and came back (ms of performance.now()), and what came back. */
export interface AnswerRecord {
  step: string;
  method: string;
  path: string;
  command: boolean;
  sentAt: number;
  answeredAt: number;
  /** The HTTP status, or 0 when no answer came (the web process died or was down). */
  status: number;
  body: string;
}

/** A complete API Entreprise form; its contacts and its title are the lifecycle's own, so are its emails. */
export function completeForm(number: number, applicant: Applicant, revision: number) {
  const contact = (givenName: string, jobTitle: string) => ({
    givenName,
    familyName: 'Moreau',
    email: `${givenName.toLowerCase()}.moreau.${number}@exemple-collectivite.fr`,
    phone: '01 23 45 67 89',
    jobTitle,
  });
  return {
    project: {
      // The version in the title: a second submission's emails are told apart from the first's by subject.
      title: `Grappe n° ${number} : pré-remplissage des démarches, version ${revision}`,
      description: `Pré-remplir les démarches des usagers de ${applicant.organisation} (version ${revision}).`,
      useCase: 'aide-usager',
      serviceUrl: 'https://www.exemple-collectivite.fr/demarches',
    },
    scopes: ['unites_legales_etablissements'],
    legalBasis: {
      nature: 'Délibération du conseil n° 2026-17',
      url: 'https://www.exemple-collectivite.fr/deliberations/2026-17',
    },
    personalData: { recipients: 'Agents instructeurs des démarches', retentionMonths: 24 },
    contacts: {
      dataController: contact('Helene', 'Directrice générale des services'),
      dpo: contact('Marc', 'Délégué à la protection des données'),
      business: contact('Ines', 'Responsable des démarches'),
      technical: contact('Paul', 'Responsable informatique'),
    },
    terms: { cguAccepted: true, dpoInformed: true },
  };
}

export interface Lifecycle {
  number: number;
  requestId: string;
  changesAsked: boolean;
  /** With `tokenVisible`: the habilitation's token, and its secret when `reveal` got it. */
  tokenId?: string;
  tokenSecret?: string;
}

export interface LifecycleOptions {
  changesAsked: boolean;
  /** After the approval, the applicant polls the habilitation until its token is listed. */
  tokenVisible?: boolean;
  /** Then reveals the token's secret, once (a lost answer loses it: the second reveal answers 410). */
  reveal?: boolean;
}

export class LifecycleRunner {
  readonly counters = newCounters();

  constructor(private readonly observe: (record: AnswerRecord) => void = () => undefined) {}

  /** One exchange, observed; a network error is status 0. */
  private async exchange<T>(
    client: ApiClient,
    step: string,
    method: string,
    path: string,
    body: unknown,
    command: boolean,
  ): Promise<ApiAnswer<T> | undefined> {
    const sentAt = performance.now();
    try {
      const answer = await client.call<T>(method, path, body);
      this.observe({
        step,
        method,
        path,
        command,
        sentAt,
        answeredAt: performance.now(),
        status: answer.status,
        body: answer.text.slice(0, 300),
      });
      return answer;
    } catch (error) {
      this.counters.networkErrors += 1;
      this.observe({
        step,
        method,
        path,
        command,
        sentAt,
        answeredAt: performance.now(),
        status: 0,
        body: (error as Error).message,
      });
      return undefined;
    }
  }

  /** One call, repeated through network errors (its web process died): a load balancer's retry. */
  async call<T>(client: ApiClient, step: string, method: string, path: string, body?: unknown) {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.exchange<T>(client, step, method, path, body, false);
      if (answer !== undefined) return answer;
      if (attempt >= 120) throw new Error(`${step}: no answer after ${attempt} attempts`);
      await sleep(250);
    }
  }

  /** A call that must answer `expected`, repeated while the platform answers 5xx (for a while). */
  async expect<T>(
    client: ApiClient,
    step: string,
    expected: number,
    method: string,
    path: string,
    body?: unknown,
  ) {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await this.call<T>(client, step, method, path, body);
      if (answer.status === expected) return answer.body;
      if (answer.status >= 500 && attempt < 60) {
        await sleep(500);
        continue;
      }
      throw new Error(`${step}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    }
  }

  async stateOf(client: ApiClient, id: string): Promise<{ state: string; revision: number }> {
    return this.expect(client, 'read', 200, 'GET', `/api/v1/requests/${id}`);
  }

  /**
   * A state-changing command: 200 is acknowledged; a lost answer, a 503 or a 409 is followed by reading the
   * request, and the command is sent again only if its effect is not there (`landed`).
   */
  async command(
    client: ApiClient,
    step: string,
    id: string,
    pathSuffix: string,
    body: unknown,
    landed: (request: { state: string; revision: number }) => boolean,
  ): Promise<void> {
    const deadline = Date.now() + 180_000;
    const name = pathSuffix.replace('-', '_');
    let refused = false;
    for (;;) {
      this.counters.commandsSent += 1;
      const answer = await this.exchange<{ allowedCommands?: string[] }>(
        client,
        step,
        'POST',
        `/api/v1/requests/${id}/${pathSuffix}`,
        body,
        true,
      );
      if (answer?.status === 200) {
        this.counters.acknowledged += 1;
        if (refused) this.counters.refusedThenApplied += 1;
        return;
      }
      if (answer?.status === 503) this.counters.answered503 += 1;
      else if (answer !== undefined && answer.status >= 500)
        this.counters.other5xx.push({ step, status: answer.status, body: answer.text.slice(0, 300) });
      if (answer?.status === 409) {
        this.counters.answered409 += 1;
        if (answer.body?.allowedCommands?.includes(name)) this.counters.selfContradicting409 += 1;
      }
      if (answer !== undefined && answer.status < 500 && answer.status !== 409)
        throw new Error(`${step} of ${id}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
      if (landed(await this.stateOf(client, id))) {
        this.counters.landedUnacknowledged += 1;
        return;
      }
      if (answer?.status === 409) refused = true;
      if (Date.now() > deadline) throw new Error(`${step} of ${id}: still not applied after 180 s`);
      await sleep(500);
    }
  }

  async lifecycle(
    number: number,
    applicant: ApiClient,
    instructor: ApiClient,
    who: Applicant,
    options: LifecycleOptions,
  ): Promise<Lifecycle> {
    // Creating is the one call that is not idempotent: a lost answer sent again leaves an empty draft behind,
    // as a person clicking twice would, and the lifecycle goes on with the request it was answered.
    const { id } = await this.expect<{ id: string }>(applicant, 'create', 201, 'POST', '/api/v1/requests', {
      definition: 'api-entreprise',
      siret: who.siret,
    });
    const save = (revision: number) =>
      this.expect(
        applicant,
        'save',
        200,
        'PATCH',
        `/api/v1/requests/${id}`,
        completeForm(number, who, revision),
      );
    const submitted = (request: { state: string }) =>
      request.state !== 'draft' && request.state !== 'changes_requested';
    await save(1);
    await this.command(applicant, 'submit', id, 'submit', undefined, submitted);
    if (options.changesAsked) {
      await this.command(
        instructor,
        'request_changes',
        id,
        'request-changes',
        { reason: 'Merci de préciser le service concerné.' },
        (request) => request.state === 'changes_requested',
      );
      await save(2);
      await this.command(applicant, 'resubmit', id, 'submit', undefined, submitted);
    }
    await this.command(
      instructor,
      'approve',
      id,
      'approve',
      undefined,
      (request) => request.state === 'validated',
    );
    const lifecycle: Lifecycle = { number, requestId: id, changesAsked: options.changesAsked };
    if (options.tokenVisible) {
      lifecycle.tokenId = await this.waitForToken(applicant, id);
      if (options.reveal) {
        const answer = await this.call<{ token: string }>(
          applicant,
          'reveal',
          'POST',
          `/api/v1/tokens/${lifecycle.tokenId}/reveal`,
        );
        if (answer.status === 200) lifecycle.tokenSecret = answer.body.token;
        else if (answer.status !== 410)
          throw new Error(
            `reveal of ${lifecycle.tokenId}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`,
          );
      }
    }
    return lifecycle;
  }

  /** Polls the applicant's habilitations until the request's token is listed; its id. */
  private async waitForToken(client: ApiClient, requestId: string): Promise<string> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const all = await this.expect<{ requestId: string; tokens: { id: string }[] }[]>(
        client,
        'tokenVisible',
        200,
        'GET',
        '/api/v1/habilitations',
      );
      const token = all.find((habilitation) => habilitation.requestId === requestId)?.tokens[0];
      if (token) return token.id;
      if (Date.now() > deadline) throw new Error(`no token for request ${requestId} after 120 s`);
      await sleep(200);
    }
  }
}
