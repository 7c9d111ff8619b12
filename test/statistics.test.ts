import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RequestStatistics } from '../domain/statistics.ts';
import { assertEveryPageChecked, checkPage, watchAccessibility } from './helpers/accessibility.ts';
import { newEmail, signUpAndActivate, SIRET } from './helpers/accounts.ts';
import { launchBrowser } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

/**
 * A seeded history in March 2025, far from anything the platform does while the test runs, with the figures
 * computed by hand below. Times are UTC; Paris is UTC+1 until 30 March.
 */
type Event = [type: string, from: string | null, to: string | null, at: string, revision?: number];
const HISTORY: { id: string; definition: string; createdAt: string; events: Event[] }[] = [
  {
    // Submitted after 1 h, approved 2 days later.
    id: 'r1',
    definition: 'api-particulier',
    createdAt: '2025-03-03T09:00:00Z',
    events: [
      ['submit', 'draft', 'submitted', '2025-03-03T10:00:00Z'],
      ['approve', 'submitted', 'validated', '2025-03-05T10:00:00Z'],
    ],
  },
  {
    // Submitted after 2 days, changes asked 1 day later, submitted again, refused 4 days after the first submission.
    id: 'r2',
    definition: 'api-particulier',
    createdAt: '2025-03-04T09:00:00Z',
    events: [
      ['submit', 'draft', 'submitted', '2025-03-06T09:00:00Z'],
      ['request_changes', 'submitted', 'changes_requested', '2025-03-07T09:00:00Z'],
      ['submit', 'changes_requested', 'submitted', '2025-03-08T09:00:00Z'],
      ['refuse', 'submitted', 'refused', '2025-03-10T09:00:00Z'],
    ],
  },
  {
    // Submitted 30 s after its creation (left out of the durations), still waiting at the end of the month.
    id: 'r3',
    definition: 'api-particulier',
    createdAt: '2025-03-10T12:00:00Z',
    events: [['submit', 'draft', 'submitted', '2025-03-10T12:00:30Z']],
  },
  {
    // Validated in January; reopened in March, its second revision submitted and approved 1 day later.
    id: 'r4',
    definition: 'api-particulier',
    createdAt: '2025-01-10T09:00:00Z',
    events: [
      ['submit', 'draft', 'submitted', '2025-01-11T09:00:00Z'],
      ['approve', 'submitted', 'validated', '2025-01-12T09:00:00Z'],
      ['reopen', 'validated', 'draft', '2025-03-12T08:00:00Z'],
      ['submit', 'draft', 'submitted', '2025-03-13T08:00:00Z', 2],
      ['approve', 'submitted', 'validated', '2025-03-14T08:00:00Z', 2],
    ],
  },
  {
    // Another API: submitted after 1 h, approved 20 s later (counted, but left out of the durations).
    id: 'r5',
    definition: 'api-entreprise',
    createdAt: '2025-03-15T10:00:00Z',
    events: [
      ['submit', 'draft', 'submitted', '2025-03-15T11:00:00Z'],
      ['approve', 'submitted', 'validated', '2025-03-15T11:00:20Z'],
    ],
  },
];

const DAY = 86_400;
let platform: TestPlatform;
let browser: Browser;

async function seed(): Promise<void> {
  const db = platform.services.db;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO organisations (siret, siren, name, legal_category, address, active, directory_checked_at)
     VALUES ('21457956700097', '214579567', 'COMMUNE DE STATISTIQUE', '7210', '1 place de la Mairie', true, now())
     RETURNING id`,
  );
  for (const request of HISTORY) {
    const { rows: created } = await db.query<{ id: string }>(
      `INSERT INTO access_requests (definition, organisation_id, state, created_at, edited_at)
       VALUES ($1, $2, $3, $4, $4) RETURNING id`,
      [request.definition, rows[0]!.id, request.events.at(-1)![2], request.createdAt],
    );
    for (const [type, from, to, at, revision = 1] of request.events) {
      await db.query(
        `INSERT INTO request_events (request_id, revision, type, from_state, to_state, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [created[0]!.id, revision, type, from, to, at],
      );
    }
  }
}

before(async () => {
  platform = await startTestPlatform();
  await seed();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await platform?.stop();
});

async function stats(query: string): Promise<RequestStatistics> {
  const answer = await platform.client().get(`/api/v1/stats?${query}`);
  assert.equal(answer.status, 200, answer.text);
  return answer.json as RequestStatistics;
}

describe('public statistics (GET /api/v1/stats, no sign-in)', () => {
  it('counts, rates and durations of one API over March 2025 match the figures computed by hand', async () => {
    const march = await stats('from=2025-03-01&to=2025-03-31&definition=api-particulier');
    assert.equal(march.granularity, 'day');
    assert.deepEqual(
      {
        submitted: march.submitted,
        reopenedSubmitted: march.reopenedSubmitted,
        validated: march.validated,
        refused: march.refused,
      },
      { submitted: 3, reopenedSubmitted: 1, validated: 2, refused: 1 },
    );
    assert.equal(march.acceptanceRate!.toFixed(4), (2 / 3).toFixed(4));
    // Creation → submission: 1 h and 2 days (r3's 30 s left out); p80 interpolates between them.
    assert.deepEqual(march.timeToSubmission, {
      count: 2,
      p50Seconds: (3600 + 2 * DAY) / 2,
      p80Seconds: 3600 + 0.8 * (2 * DAY - 3600),
    });
    // First instruction: 2 days (r1), 1 day (r2's request for changes), 1 day (r4's second revision).
    assert.deepEqual(march.timeToFirstInstruction, {
      count: 3,
      p50Seconds: DAY,
      p80Seconds: DAY + 0.6 * DAY,
    });
    // Decision, from each revision's first submission: 1 day (r4), 2 days (r1), 4 days (r2).
    assert.deepEqual(march.timeToDecision, {
      count: 3,
      p50Seconds: 2 * DAY,
      p80Seconds: 2 * DAY + 0.6 * 2 * DAY,
    });
  });

  it('a series by day, in French days, with the backlog at the end of each', async () => {
    const { series } = await stats('from=2025-03-01&to=2025-03-31&definition=api-particulier');
    assert.equal(series.length, 31);
    const day = (n: number) => series[n - 1]!;
    assert.equal(day(1).period, '2025-03-01');
    assert.deepEqual(
      [3, 5, 6, 8, 10, 13, 14].map((n) => [n, day(n).submitted, day(n).validated, day(n).refused]),
      [
        [3, 1, 0, 0],
        [5, 0, 1, 0],
        [6, 1, 0, 0],
        [8, 0, 0, 0], // r2's second submission is not a new request
        [10, 1, 0, 1],
        [13, 1, 0, 0],
        [14, 0, 1, 0],
      ],
    );
    assert.deepEqual(
      series.slice(0, 15).map((point) => point.backlog),
      [0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 2, 1, 1],
    );
    assert.equal(day(31).backlog, 1, 'r3 still waits');
  });

  it('every API together; the other API’s 20-second decision is counted but not measured', async () => {
    const march = await stats('from=2025-03-01&to=2025-03-31');
    assert.deepEqual([march.submitted, march.validated, march.refused], [4, 3, 1]);
    assert.equal(march.acceptanceRate, 0.75);
    assert.equal(march.timeToSubmission.count, 3);
    assert.equal(march.timeToSubmission.p50Seconds, 3600);
    assert.equal(march.timeToDecision.count, 3);
  });

  it('by week beyond two months, the first week clipped to the period', async () => {
    const spring = await stats('from=2025-03-01&to=2025-05-31&definition=api-particulier');
    assert.equal(spring.granularity, 'week');
    assert.deepEqual(
      spring.series.slice(0, 3).map((point) => [point.period, point.submitted]),
      [
        ['2025-03-01', 0],
        ['2025-03-03', 2],
        ['2025-03-10', 2],
      ],
    );
    const year = await stats('from=2025-01-01&to=2025-12-31&definition=api-particulier');
    assert.equal(year.granularity, 'month');
    assert.deepEqual(
      year.series.slice(0, 3).map((point) => [point.period, point.submitted, point.validated]),
      [
        ['2025-01-01', 1, 1],
        ['2025-02-01', 0, 0],
        ['2025-03-01', 4, 2],
      ],
    );
  });

  it('without dates: the last 3 months, ending today', async () => {
    const recent = await stats('');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    assert.equal(recent.to, today);
    assert.equal(recent.granularity, 'week');
  });

  it('answers are cached a few minutes: a new decision shows in another period, not in the one just asked', async () => {
    const before = await stats('from=2025-03-20&to=2025-03-21');
    // r5 (another API than the page's below) reopened: its second revision submitted and approved on 20 March.
    const { rows } = await platform.services.db.query<{ id: string }>(
      `SELECT id FROM access_requests WHERE definition = 'api-entreprise' AND created_at = '2025-03-15T10:00:00Z'`,
    );
    for (const [type, from, to, at] of [
      ['submit', 'draft', 'submitted', '2025-03-20T10:00:00Z'],
      ['approve', 'submitted', 'validated', '2025-03-20T12:00:00Z'],
    ]) {
      await platform.services.db.query(
        `INSERT INTO request_events (request_id, revision, type, from_state, to_state, occurred_at)
         VALUES ($1, 2, $2, $3, $4, $5)`,
        [rows[0]!.id, type, from, to, at],
      );
    }
    assert.equal((await stats('from=2025-03-20&to=2025-03-21')).validated, before.validated);
    assert.equal((await stats('from=2025-03-19&to=2025-03-21')).validated, before.validated + 1);
  });

  it('refuses malformed and inverted periods and unknown APIs with 422, naming the field', async () => {
    const cases: [string, string][] = [
      ['from=2025-02-30&to=2025-03-01', 'from'],
      ['from=mars&to=2025-03-01', 'from'],
      ['from=2025-03-10&to=2025-03-01', 'to'],
      ['from=2025-03-10', 'to'],
      ['from=2015-01-01&to=2025-03-01', 'to'],
      ['from=2025-03-01&to=2025-03-31&definition=api-inconnue', 'definition'],
      ['from=2025-03-01&from=2025-03-02&to=2025-03-31', 'from'],
    ];
    for (const [query, field] of cases) {
      const answer = await platform.client().get(`/api/v1/stats?${query}`);
      assert.equal(answer.status, 422, `${query}: ${answer.text}`);
      assert.ok(
        (answer.json.errors as { path: string }[]).some((error) => error.path === field),
        `${query}: ${answer.text}`,
      );
    }
  });
});

describe('the /statistiques page', () => {
  it('shows the figures, each chart with its data as a table, and has no accessibility violation at 1280 and 375 px', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = watchAccessibility(await context.newPage());
      const answer = await page.goto(
        `${platform.url}/statistiques?periode=personnalisee&du=2025-03-01&au=2025-03-31&api=api-particulier`,
      );
      assert.equal(answer?.status(), 200);
      assert.equal(await page.locator('h2').first().textContent(), 'Du 1 mars 2025 au 31 mars 2025');
      const figures = await page.locator('.sesame-figure').allInnerTexts();
      assert.deepEqual(
        figures.map((text) => text.replace(/\s+/g, ' ').trim()),
        [
          '3 Demandes soumises',
          '1 Réouvertures soumises',
          '2 Demandes validées',
          '1 Demandes refusées',
          '67 % Taux d’acceptation',
        ],
      );
      assert.equal(await page.locator('svg[role="img"]').count(), 2);
      assert.match(
        (await page.locator('svg[role="img"] title').first().textContent()) ?? '',
        /API Particulier/,
      );
      const decision = page.locator('tr', { hasText: 'Décision (validation ou refus)' });
      assert.deepEqual(
        (await decision.locator('td').allInnerTexts()).map((text) => text.replace(/\s/g, ' ')),
        ['3', '2 jours', '3,2 jours'],
      );
      assert.equal(await page.locator('table').nth(1).locator('tbody tr').count(), 31);
      await checkPage(page);
      // On a phone the tables scroll sideways: still reachable with the keyboard.
      await page.setViewportSize({ width: 375, height: 800 });
      await checkPage(page);
      assertEveryPageChecked(page);
    } finally {
      await context.close();
    }
  });

  it('a period that ends before it starts is refused on the form, under the field', async () => {
    const answer = await platform
      .client()
      .get('/statistiques?periode=personnalisee&du=2025-03-10&au=2025-03-01');
    assert.equal(answer.status, 422);
    assert.match(answer.text, /id="au-erreur">La date de fin doit suivre la date de début\./);
    assert.match(answer.text, /value="2025-03-10"/);
  });

  it('presets need no dates; the footer links to the page', async () => {
    const answer = await platform.client().get('/statistiques?periode=30j');
    assert.equal(answer.status, 200);
    assert.match(answer.text, /id="periode-30j" name="periode" value="30j" checked/);
    assert.match((await platform.client().get('/')).text, /href="\/statistiques">Statistiques</);
  });
});

describe('the median time to a decision where applicants choose an API', () => {
  it('the new-request page gives each API’s median over the last 3 months, and nothing without a decision', async () => {
    const db = platform.services.db;
    const daysAgo = (days: number) => new Date(Date.now() - days * DAY * 1000);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO access_requests (definition, organisation_id, state, created_at, edited_at)
       SELECT 'api-particulier', id, 'validated', $1, $1 FROM organisations WHERE siret = '21457956700097'
       RETURNING id`,
      [daysAgo(6)],
    );
    for (const [type, from, to, at] of [
      ['submit', 'draft', 'submitted', daysAgo(5)],
      ['approve', 'submitted', 'validated', daysAgo(2)],
    ] as const) {
      await db.query(
        `INSERT INTO request_events (request_id, revision, type, from_state, to_state, occurred_at)
         VALUES ($1, 1, $2, $3, $4, $5)`,
        [rows[0]!.id, type, from, to, at],
      );
    }
    const { client } = await signUpAndActivate(platform, {
      siret: SIRET.commune,
      email: newEmail('saint-exemple.fr'),
    });
    const page = await client.get('/demandes/nouvelle');
    assert.equal(page.status, 200);
    const hintOf = (slug: string) =>
      new RegExp(`for="api-${slug}">[\\s\\S]*?</label>`).exec(page.text)?.[0].replace(/\s+/g, ' ');
    assert.match(
      hintOf('api-particulier')!,
      /Délai médian de décision sur les trois derniers mois : 3 jours\./,
    );
    assert.doesNotMatch(
      hintOf('api-entreprise')!,
      /Délai médian/,
      'its only decision is older than 3 months',
    );
  });
});
