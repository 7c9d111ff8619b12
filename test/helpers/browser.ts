import { chromium, type Browser, type Page } from 'playwright-core';
import { checkPage } from './accessibility.ts';

/**
 * Debian's Chromium, headless, with the flags that keep it from reaching for the Internet (which this
 * machine, and CI, do not have).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Signs in through the sign-in page, as a person would; both pages it shows pass the accessibility checks
 * (checkPage), so a watched page counts them.
 */
export async function signInThroughBrowser(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/connexion`);
  await checkPage(page);
  await page.getByLabel('Adresse électronique').fill(email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL('**/tableau-de-bord');
  await checkPage(page);
}

/**
 * The page's script errors and console errors, gathered as they happen for the test to assert none; `expected`
 * leaves out the console's report of statuses the test causes on purpose (a refused form answering 422).
 */
export function recordProblems(page: Page, expected: number[] = []): string[] {
  const problems: string[] = [];
  const expectedStatus = new RegExp(`status of (${expected.join('|')})\\b`);
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (expected.length > 0 && expectedStatus.test(message.text())) return;
    problems.push(message.text());
  });
  return problems;
}

/** With SCREENSHOTS_DIR set, a full-page capture named for the step: a way to look at the pages a test goes through. */
export async function screenshotIfAsked(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS_DIR)
    await page.screenshot({ path: `${process.env.SCREENSHOTS_DIR}/${name}.png`, fullPage: true });
}
