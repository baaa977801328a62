/**
 * One Content-Security-Policy: the built renderer's `<meta>` carries the policy the web host
 * sends as a header (less `frame-ancestors`, which a meta cannot carry), and Electron's
 * `app://` handler sends the same header. Real loopback web host over real HTTP, the
 * production bundle in Chromium; the page loads under both without a CSP violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '@playwright/test';
import { createAppProtocolHandler } from '../../src/app/app-protocol.ts';
import { startWebHost, type WebHost } from '../../src/app/host/web-host.ts';
import { FakeEngine } from '../app/support/fake-engine.ts';
import { browserSkipReason, launchChromium, openPage, RENDERER_DIR } from '../support/browser.ts';

const skip = browserSkipReason();

/** The policy's directives, whitespace-normalised, in order. */
function directives(policy: string): string[] {
  return policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter((d) => d !== '');
}

describe('one Content-Security-Policy for the meta and both shells', { skip: skip ?? false }, () => {
  let browser: Browser;
  let host: WebHost;
  before(async () => {
    browser = await launchChromium();
    host = await startWebHost({ engine: new FakeEngine(), rendererDir: RENDERER_DIR, port: 0 });
  });
  after(async () => {
    await host?.stop();
    await browser?.close();
  });

  test("the built page's meta policy is the web host's header policy without frame-ancestors", async () => {
    const tracked = await openPage(browser);
    try {
      const response = await tracked.page.goto(host.url);
      assert.equal(response?.status(), 200, 'signed in and redirected to the page');
      const header = response?.headers()['content-security-policy'] ?? '';
      await tracked.page.getByRole('heading').first().waitFor();
      const meta = await tracked.page
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content', { timeout: 1000 });

      const headerDirectives = directives(header);
      assert.ok(headerDirectives.includes("default-src 'none'"), `a strict header policy: ${header}`);
      assert.ok(headerDirectives.includes("frame-ancestors 'none'"), 'the header carries frame-ancestors');
      assert.deepEqual(
        directives(meta ?? ''),
        headerDirectives.filter((d) => !d.startsWith('frame-ancestors ')),
        'the meta policy is the header policy, less what a meta cannot carry',
      );
      assert.deepEqual(tracked.problems, [], 'no CSP violation or console error under both policies');
    } finally {
      await tracked.close();
    }
  });

  test("Electron's app:// handler sends the web host's header policy", async () => {
    const tracked = await openPage(browser);
    try {
      const fromWebHost = (await tracked.page.goto(host.url))?.headers()['content-security-policy'];
      const fromApp = await createAppProtocolHandler(RENDERER_DIR)(new Request('app://heso/index.html'));
      assert.equal(fromApp.status, 200);
      assert.equal(fromApp.headers.get('content-security-policy'), fromWebHost);
    } finally {
      await tracked.close();
    }
  });
});
