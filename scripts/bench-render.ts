/**
 * `npm run bench:render`: the approver's queue, from data to painted list, in Debian's
 * Chromium. The production renderer bundle runs with a scripted bridge (as its Playwright
 * tests do); each round pushes a queue event of N pending items into an empty queue and
 * times until the rows are in the DOM and the next frame has painted (rAF, then a task).
 * 10 and 1,000 items are measured interleaved in the same page and run, after warm-up, so
 * the ratio is what to compare across machines. Also counts the document's elements with
 * 1,000 items shown. Prints figures only.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bulkAction, makePendingItem } from '../renderer/dev/fake-items.ts';
import { generateKeyPair } from '../src/core/crypto.ts';
import { launchChromium, RENDERER_DIR } from '../test/support/browser.ts';
import { openStubbedApp, stubData } from '../test/support/stub-app.ts';
import { benchLine, fixed, showSpread, spread } from './bench-support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP = 3;

/** Runs in the page: push N items, resolve with ms until painted and the element count. */
const MEASURE = `async (count) => {
  const stub = window.__stub;
  const base = await window.heso.invoke('queue:snapshot', null);
  stub.emit('queue', { ...base, items: [] });
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const items = window.__benchItems.slice(0, count);
  const painted = new Promise((resolve) => {
    const done = () => requestAnimationFrame(() => setTimeout(resolve, 0));
    if (document.querySelector('[data-testid=queue-item]')) return done();
    const observer = new MutationObserver(() => {
      if (!document.querySelector('[data-testid=queue-item]')) return;
      observer.disconnect();
      done();
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  const start = performance.now();
  stub.emit('queue', { ...base, items });
  await painted;
  return { ms: performance.now() - start, nodes: document.querySelectorAll('*').length };
}`;

async function main(): Promise<void> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    console.log('building the renderer (npm run build:renderer)…');
    spawnSync('npm', ['run', '--silent', 'build:renderer'], { stdio: 'inherit' });
  }
  const operator = generateKeyPair();
  const now = Date.now();
  const items = Array.from({ length: 1000 }, (_, i) =>
    makePendingItem({
      teamId: 'acme',
      operator,
      action: bulkAction(i, now),
      ruleId: 'r',
      expiresInMs: 60_000 + i * 1000,
      now,
    }),
  );
  const browser = await launchChromium();
  try {
    const app = await openStubbedApp(browser, stubData([]), { viewport: { width: 1280, height: 800 } });
    await app.page.getByTestId('queue-empty').waitFor();
    await app.page.evaluate(`window.__benchItems = ${JSON.stringify(items)};`);
    const measure = (count: number) =>
      app.page.evaluate(`(${MEASURE})(${count})`) as Promise<{ ms: number; nodes: number }>;
    for (let i = 0; i < WARMUP; i++) {
      await measure(10);
      await measure(1000);
    }
    const small: number[] = [];
    const large: number[] = [];
    let nodes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      small.push((await measure(10)).ms);
      const big = await measure(1000);
      large.push(big.ms);
      nodes = big.nodes;
    }
    const s10 = spread(small);
    const s1000 = spread(large);
    console.log(`queue data → paint, ${ROUNDS} rounds after ${WARMUP} warm-up rounds, Chromium 1280×800`);
    console.log(`  10 items:    ${showSpread(s10, 1, ' ms')}`);
    console.log(`  1,000 items: ${showSpread(s1000, 1, ' ms')}`);
    console.log(`  ratio 1,000 / 10 (medians): ${fixed(s1000.median / s10.median)}`);
    console.log(`  document elements with 1,000 items shown: ${nodes}`);
    benchLine('render', {
      first_paint_1000_ms: fixed(s1000.median, 1),
      first_paint_10_ms: fixed(s10.median, 1),
      dom_nodes_1000: nodes,
    });
    await app.close();
  } finally {
    await browser.close();
  }
}

await main();
