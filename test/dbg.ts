import { launchChromium } from './support/browser.ts';
import { openStubbedApp, stubData } from './support/stub-app.ts';
import { bulkAction, makePendingItem } from '../renderer/dev/fake-items.ts';
import { generateKeyPair } from '../src/core/crypto.ts';
const operator = generateKeyPair();
const items = Array.from({ length: Number(process.env.N ?? 1000) }, (_, i) => makePendingItem({ teamId: 'acme', operator, action: bulkAction(i), ruleId: 'r', expiresInMs: 100000 + i * 1000 }));
const b = await launchChromium();
const app = await openStubbedApp(b, stubData(items), { viewport: { width: 1280, height: 800 }, colorScheme: (process.env.CS as any) ?? 'light' });
await app.page.getByTestId('queue-total').waitFor();
await app.page.screenshot({ path: '/tmp/q.png' });
if (process.env.OPEN) { await app.page.locator('[data-testid=queue-item]').first().click(); await app.page.waitForTimeout(800); await app.page.screenshot({ path: '/tmp/d.png', fullPage: true }); }
console.log(app.problems);
await b.close();
