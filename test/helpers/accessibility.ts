import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and fails with every violation, each with
 * the elements it found. axe comes from node_modules, injected by the test: no page ships it.
 */
export async function assertNoAxeViolations(page: Page, context = page.url()): Promise<void> {
  // Evaluated through the DevTools protocol: the page's content security policy (no inline script) stays on.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    // Runs in the page: its globals are typed here by hand, the project's TypeScript has no DOM library.
    const { axe, document } = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    return (await axe.run(document, { runOnly: { type: 'tag', values: tags } })).violations;
  }, WCAG_TAGS);
  const found = (violations as AxeViolation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
  );
  assert.deepEqual(found, [], `axe-core violations on ${context}`);
}

/**
 * Every visible DSFR button shows its words (spec §7b: every action button has words). Inside a `fr-btns-group`
 * without `fr-btns-group--icon-left`, DSFR turns a button with an icon into a bare icon and clips its text: such a
 * button is wider inside than it is drawn.
 */
export async function assertButtonsShowTheirWords(page: Page): Promise<void> {
  const clipped = await page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: {
        querySelectorAll: (selector: string) => Iterable<{
          textContent: string | null;
          scrollWidth: number;
          clientWidth: number;
          getClientRects: () => { length: number };
        }>;
      };
    };
    return [...document.querySelectorAll('.fr-btn')]
      .filter((button) => button.getClientRects().length > 0 && (button.textContent ?? '').trim() !== '')
      .filter((button) => button.scrollWidth > button.clientWidth + 1)
      .map((button) => (button.textContent ?? '').trim());
  });
  assert.deepEqual(clipped, [], `buttons drawn as a bare icon on ${page.url()}`);
}

/**
 * The page fits its window's width: what is wider (a table) scrolls inside its own box, never the whole page
 * sideways (WCAG 1.4.10, reflow).
 */
export async function assertNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth };
  });
  assert.ok(
    scrollWidth <= innerWidth,
    `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`,
  );
}

/** Addresses as page kinds: identifiers and SIRETs stand for any, so one check covers every request's page. */
function pageKind(url: string): string {
  const { pathname } = new URL(url);
  return pathname
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')
    .replace(/\b\d{14}\b/g, ':siret');
}

interface Watch {
  visited: Set<string>;
  checked: Set<string>;
}
const watches = new WeakMap<Page, Watch>();

/**
 * Follows the documents a test's page shows, so that the test can prove, at its end, that it ran the accessibility
 * checks on every kind of page it visited (`assertEveryPageChecked`).
 */
export function watchAccessibility(page: Page): Page {
  const watch: Watch = { visited: new Set(), checked: new Set() };
  watches.set(page, watch);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith('http'))
      watch.visited.add(pageKind(frame.url()));
  });
  return page;
}

/**
 * The page as it is now passes axe-core, shows every button's words and fits its window's width; counted for
 * `assertEveryPageChecked`.
 */
export async function checkPage(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await assertNoAxeViolations(page);
  await assertButtonsShowTheirWords(page);
  await assertNoSidewaysScroll(page);
  watches.get(page)?.checked.add(pageKind(page.url()));
}

/** Every kind of page a watched page showed was checked at least once (axe on every page the tests visit). */
export function assertEveryPageChecked(page: Page): void {
  const watch = watches.get(page);
  assert.ok(watch, 'assertEveryPageChecked needs a page given to watchAccessibility');
  const unchecked = [...watch.visited].filter((kind) => !watch.checked.has(kind));
  assert.deepEqual(unchecked, [], 'pages shown without an accessibility check (checkPage)');
}
