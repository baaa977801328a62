/**
 * Debian's Chromium driven by Playwright (no browser download), plus what every UI test
 * wants: page errors and CSP violations collected (a UI that breaks its own CSP fails),
 * and screenshots saved as test artifacts under test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');
export const RENDERER_DIR = join(REPO_ROOT, 'dist-renderer');

/** Why browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM_PATH))
    return `Chromium not found at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`;
  if (!existsSync(join(RENDERER_DIR, 'index.html')))
    return 'the renderer is not built (dist-renderer/index.html missing); run: npm run build:renderer';
  return null;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface TrackedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions, console errors and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh context (own storage) and page; records anything that went wrong in the page. */
export async function openPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<TrackedPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1180, height: 860 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Nothing is excused: a console error is either a bug or noise a newcomer reads as one
    // (e.g. a CSP directive a <meta> cannot carry, such as frame-ancestors: the hosts' header has it).
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return { context, page, problems, close: () => context.close() };
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
