import fc from 'fast-check';
import type { TestPlatform } from '../helpers/platform.ts';
import { apiRequest } from './api-requests.ts';
import { assembleCast, type Cast } from './cast.ts';
import { concretise, describeRequest, type ConcreteRequest, type GeneratedRequest } from './fuzz-request.ts';
import { apiOperations, type OpenApiDocument } from './openapi-operations.ts';
import { readPages } from './page-forms.ts';
import { pageRequest } from './page-requests.ts';
import { pageRoutes } from './page-routes.ts';
import { closeConnections, sendRaw, type RawAnswer } from './raw-http.ts';
import type { SecretSighting } from './secrets.ts';
import { readVocabulary } from './vocabulary.ts';

/**
 * One fuzz campaign against a running platform: every operation of the OpenAPI document, every POST route of the
 * pages (their forms) and every GET route of the pages (their query strings) gets `runs` generated bad requests
 * (fast-check, one property per target, each target's seed drawn from the run's), sent as the cast's callers. A
 * 5xx, or a secret in an answer, fails the target's property; fast-check then shrinks the request and the report
 * gives the seed, the counterexample's path and the request, so that
 * `FUZZ_SEED=… FUZZ_PATH=… FUZZ_ONLY='<target>' npm run fuzz` sends it again. At the end every log line and every
 * email of the outbox is searched for the secrets too, and log lines at level error are counted.
 */
export interface CampaignOptions {
  seed: number;
  runs: number;
  /** Replay one counterexample (with `seed` and `only`). */
  path?: string;
  /** Only the targets whose key contains this text. */
  only?: string;
  /** Pages read per caller to learn the forms. */
  pagesPerReader?: number;
  progress?: (line: string) => void;
  /** Every request and its status, to `progress` (FUZZ_TRACE=1). */
  trace?: boolean;
}

export interface Failure {
  target: string;
  seed: number;
  path: string;
  problem: string;
  request: string;
  answer: string;
  replay: string;
}

export interface CampaignReport {
  seed: number;
  runsPerTarget: number;
  operations: { api: number; pageForms: number; pages: number };
  requests: number;
  pagesRead: number;
  answers: Record<string, number>;
  statuses: Record<string, number>;
  /** Statuses per target: which got past the refusals to the work itself. */
  byTarget: Record<string, Record<string, number>>;
  /** Requests the server closed without an answer (a body it refused before reading it all). */
  withoutAnswer: number;
  withoutAnswerExamples: string[];
  sessionsRenewed: number;
  /** The targets that took longest, in seconds (shrinking included). */
  slowest: Record<string, number>;
  secretsWatched: string[];
  logLinesSearched: number;
  /** Emails of the outbox searched for the secrets too (subject and bodies). */
  emailsSearched: number;
  /** POST routes whose form no page showed the cast: fuzzed with generic fields only. */
  formsNotSeen: string[];
  secretsFound: SecretSighting[];
  /** Log lines at level error or above (a bad request is the client's fault, never an error of ours): the first ten. */
  errorsLogged: string[];
  errorLines: number;
  failures: Failure[];
  seconds: number;
}

class FuzzFailure extends Error {
  constructor(
    readonly problem: string,
    readonly request: ConcreteRequest,
    readonly answer: RawAnswer,
  ) {
    super(`${problem}\n${describeRequest(request)}`);
  }
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

function excerpt(answer: RawAnswer): string {
  return `${answer.status} ${answer.headers['content-type'] ?? ''} ${JSON.stringify(answer.body.slice(0, 300))}`;
}

export async function runCampaign(platform: TestPlatform, options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const logsFrom = 0;
  const cast: Cast = await assembleCast(platform);
  const document = (await platform.client().get('/api/v1/openapi.json')).json as OpenApiDocument;
  const vocabulary = await readVocabulary(platform.client());
  const operations = apiOperations(document);
  const routes = pageRoutes(platform.services);
  const readingStarted = Date.now();
  const crawl = await readPages(
    routes,
    cast,
    ['applicant', 'instructor', 'admin', 'visitor'],
    options.pagesPerReader ?? 60,
  );
  const forms = routes.filter((route) => route.method === 'POST');
  const pages = routes.filter((route) => route.method === 'GET');
  progress(
    `cast assembled and pages read in ${Math.round((Date.now() - started) / 1000)} s (reading: ${Math.round((Date.now() - readingStarted) / 1000)} s)`,
  );

  const targets: { key: string; arbitrary: fc.Arbitrary<GeneratedRequest> }[] = [
    ...operations.map((operation) => ({ key: operation.key, arbitrary: apiRequest(operation, vocabulary) })),
    ...[...forms, ...pages].map((route) => ({
      key: route.key,
      arbitrary: pageRequest(route, crawl.forms.get(route.key), vocabulary),
    })),
  ].filter((target) => options.only === undefined || target.key.includes(options.only));

  const report: CampaignReport = {
    seed: options.seed,
    runsPerTarget: options.runs,
    operations: { api: operations.length, pageForms: forms.length, pages: pages.length },
    requests: 0,
    pagesRead: crawl.pagesRead,
    answers: {},
    statuses: {},
    byTarget: {},
    withoutAnswer: 0,
    withoutAnswerExamples: [],
    sessionsRenewed: 0,
    slowest: {},
    secretsWatched: [],
    logLinesSearched: 0,
    emailsSearched: 0,
    formsNotSeen: forms.filter((route) => !crawl.forms.has(route.key)).map((route) => route.key),
    secretsFound: [],
    errorsLogged: [],
    errorLines: 0,
    failures: crawl.failures.map((failure) => ({
      target: `GET ${failure.path}`,
      seed: options.seed,
      path: '',
      problem: `${failure.status} while reading the pages as ${failure.caller}`,
      request: `GET ${failure.path}`,
      answer: String(failure.status),
      replay: '',
    })),
    seconds: 0,
  };
  const count = (target: string, answer: RawAnswer) => {
    report.requests += 1;
    const statuses = (report.byTarget[target] ??= {});
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const kind = statusClass(answer.status);
    report.answers[kind] = (report.answers[kind] ?? 0) + 1;
    report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
  };

  const durations: [string, number][] = [];
  for (const [index, target] of targets.entries()) {
    progress(`[${index + 1}/${targets.length}] ${target.key}`);
    const targetStarted = Date.now();
    const property = fc.asyncProperty(target.arbitrary, async (generated) => {
      const request = concretise(generated, cast.context);
      const answers = await Promise.all(
        Array.from({ length: request.copies }, () =>
          sendRaw(platform.url, request).catch((error: unknown) => {
            report.requests += 1;
            report.withoutAnswer += 1;
            if (report.withoutAnswerExamples.length < 5)
              report.withoutAnswerExamples.push(`${(error as Error).message}\n${describeRequest(request)}`);
            if (options.trace) progress(`  ---  ${request.method} ${request.path.slice(0, 160)}`);
            return undefined;
          }),
        ),
      );
      for (const answer of answers) {
        if (answer === undefined) continue;
        count(target.key, answer);
        if (options.trace)
          progress(`  ${answer.status}  ${request.caller} ${request.method} ${request.path.slice(0, 160)}`);
        if (answer.status >= 500) throw new FuzzFailure(`answered ${answer.status}`, request, answer);
        const sightings = cast.secrets.find(answer.body, `the answer to ${request.method} ${request.path}`);
        if (sightings.length > 0)
          throw new FuzzFailure(
            `the answer holds ${sightings.map((s) => s.secret).join(', ')}`,
            request,
            answer,
          );
      }
      // A request that ended its caller's session (signing out, a form's sign-out) is no failure; the caller
      // signs in again for the next ones.
      if (
        answers.some((answer) => answer && [401, 403, 302, 303].includes(answer.status)) &&
        (await cast.recover(generated.caller))
      )
        report.sessionsRenewed += 1;
    });
    const details = await fc.check(property, {
      seed: targetSeed(options.seed, target.key),
      numRuns: options.runs,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    if (details.failed) {
      const error = details.errorInstance;
      const failure = error instanceof FuzzFailure ? error : undefined;
      report.failures.push({
        target: target.key,
        seed: options.seed,
        path: details.counterexamplePath ?? '',
        problem: failure?.problem ?? String(error),
        request: failure ? describeRequest(failure.request) : String(details.counterexample?.[0]),
        answer: failure ? excerpt(failure.answer) : '',
        replay: `FUZZ_SEED=${options.seed} FUZZ_PATH='${details.counterexamplePath ?? ''}' FUZZ_ONLY='${target.key}' npm run fuzz`,
      });
      progress(`  ✖ ${target.key}: ${failure?.problem ?? String(error)}`);
    }
    durations.push([target.key, (Date.now() - targetStarted) / 1000]);
  }
  durations.sort(([, a], [, b]) => b - a);
  report.slowest = Object.fromEntries(
    durations.slice(0, 8).map(([key, seconds]) => [key, Math.round(seconds * 10) / 10]),
  );
  closeConnections();

  const lines = platform.logs.lines.slice(logsFrom);
  report.logLinesSearched = lines.length;
  lines.forEach((line, index) => {
    report.secretsFound.push(...cast.secrets.find(line, `log line ${index + 1}`));
    if (levelOf(line) < 50) return;
    report.errorLines += 1;
    if (report.errorsLogged.length < 10)
      report.errorsLogged.push(line.length > 1_500 ? `${line.slice(0, 1_500)}…` : line);
  });
  const emails = await platform.services.db.query<{
    template: string;
    subject: string;
    text_body: string;
    html_body: string;
  }>('SELECT template, subject, text_body, html_body FROM outbox_emails');
  report.emailsSearched = emails.rows.length;
  for (const email of emails.rows) {
    const text = `${email.subject}\n${email.text_body}\n${email.html_body}`;
    report.secretsFound.push(...cast.secrets.find(text, `an email (${email.template})`));
  }
  report.secretsWatched = cast.secrets.labels();
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;
}

/** A pino line's level (error is 50), or 0 when the line is not JSON. */
function levelOf(line: string): number {
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === 'number' ? level : 0;
  } catch {
    return 0;
  }
}

/** The seed of one target: the run's seed mixed with the target's name (FNV-1a), so targets do not move in step. */
export function targetSeed(seed: number, key: string): number {
  let hash = 0x811c9dc5;
  for (const char of key) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return (seed ^ hash) | 0;
}

/** A failure as the test output and `npm run fuzz` print it. */
export function describeFailure(failure: Failure): string {
  return [
    `✖ ${failure.target}: ${failure.problem}`,
    `  seed: ${failure.seed}, path: "${failure.path}"`,
    ...failure.request.split('\n').map((line) => `  ${line}`),
    `  answer: ${failure.answer}`,
    `  replay: ${failure.replay}`,
  ].join('\n');
}
