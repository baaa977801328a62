import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppProtocolHandler } from '../../src/app/app-protocol.ts';
import { isAppUrl } from '../../src/app/app-url.ts';
import {
  type GuardDeps,
  type GuardedWebContents,
  guardWebContents,
  type NavigationEvent,
} from '../../src/app/navigation-guard.ts';
import { SettingsStore } from '../../src/app/settings-store.ts';

describe('guardWebContents', () => {
  function fakeContents() {
    const listeners = new Map<string, (e: NavigationEvent) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const contents: GuardedWebContents = {
      on: (event: string, l: (e: NavigationEvent) => void) => listeners.set(event, l),
      setWindowOpenHandler: (h) => {
        openHandler = h;
      },
    } as GuardedWebContents;
    const fire = (event: string, url: string) => {
      let prevented = false;
      listeners.get(event)?.({ url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    return { contents, fire, open: (url: string) => openHandler?.({ url }) };
  }

  /**
   * A guard that records what it blocked, and an `openExternal` spy the guard is handed as
   * well: were the guard ever to hand a URL to the system browser again, it would be here.
   */
  function recordingDeps() {
    const blocked: string[] = [];
    const opened: string[] = [];
    const deps = {
      onBlocked: (what: string, url: string) => blocked.push(`${what} ${url}`),
      openExternal: (url: string) => opened.push(url),
    };
    const guardDeps: GuardDeps = deps;
    return { guardDeps, blocked, opened };
  }

  it('allows navigation within the app page only, and opens nothing else', () => {
    const { contents, fire } = fakeContents();
    const { guardDeps, blocked, opened } = recordingDeps();
    guardWebContents(contents, guardDeps);
    assert.equal(fire('will-navigate', 'app://heso/index.html#/detail/ap-1'), false);
    assert.equal(fire('will-navigate', 'https://evil.example/'), true);
    assert.equal(fire('will-frame-navigate', 'file:///etc/passwd'), true);
    assert.equal(fire('will-redirect', 'app://other/index.html'), true);
    assert.equal(fire('will-navigate', 'javascript:alert(1)'), true);
    assert.equal(fire('will-redirect', 'https://docs.example.com/guide'), true);
    assert.deepEqual(blocked, [
      'navigation https://evil.example/',
      'navigation file:///etc/passwd',
      'navigation app://other/index.html',
      'navigation javascript:alert(1)',
      'navigation https://docs.example.com/guide',
    ]);
    assert.deepEqual(opened, [], 'an https navigation is denied, not handed to the system browser');
  });

  it('denies every new window and every webview, and opens nothing', () => {
    const { contents, fire, open } = fakeContents();
    const { guardDeps, blocked, opened } = recordingDeps();
    guardWebContents(contents, guardDeps);
    assert.deepEqual(open('https://docs.example.com/'), { action: 'deny' });
    assert.deepEqual(open('app://heso/index.html'), { action: 'deny' });
    assert.deepEqual(open('file:///tmp/x'), { action: 'deny' });
    assert.equal(fire('will-attach-webview', ''), true);
    assert.deepEqual(blocked, [
      'window https://docs.example.com/',
      'window app://heso/index.html',
      'window file:///tmp/x',
      'webview ',
    ]);
    assert.deepEqual(opened, [], 'window.open of an https URL is denied, not handed to the system browser');
  });

  it('recognises only app://heso as the app page', () => {
    assert.equal(isAppUrl('app://heso/index.html'), true);
    assert.equal(isAppUrl('app://heso.evil/index.html'), false);
    assert.equal(isAppUrl('file:///app/heso/index.html'), false);
    assert.equal(isAppUrl('http://heso/'), false);
  });
});

describe('app:// protocol handler and SettingsStore', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heso-app-'));
    await mkdir(join(dir, 'r', 'assets'), { recursive: true });
    await writeFile(join(dir, 'r', 'index.html'), '<title>app</title>');
    await writeFile(join(dir, 'r', 'assets', 'a.js'), 'x');
    await writeFile(join(dir, 'outside.txt'), 'secret');
    await symlink(join(dir, 'outside.txt'), join(dir, 'r', 'assets', 'link.js'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves renderer files with the CSP and refuses traversal, symlinks out and other hosts', async () => {
    const handle = createAppProtocolHandler(join(dir, 'r'));
    const page = await handle(new Request('app://heso/index.html'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(await page.text(), '<title>app</title>');
    assert.equal((await handle(new Request('app://heso/detail/ap-1'))).status, 200, 'client routes get the shell');
    for (const url of [
      'app://heso/assets/%2e%2e/%2e%2e/outside.txt',
      'app://heso/assets/link.js',
      'app://other/index.html',
    ]) {
      const res = await handle(new Request(url));
      assert.notEqual(res.status, 200, url);
      assert.equal((await res.text()).includes('secret'), false, url);
    }
  });

  it('SettingsStore: defaults, atomic persisted updates, change events, corrupt file tolerated', async () => {
    const file = join(dir, 'cfg', 'settings.json');
    const store = await SettingsStore.open(file);
    assert.deepEqual(store.get(), { notifications: true, launchAtLogin: false, closeToTray: true });
    const changes: boolean[] = [];
    store.onChange((next) => changes.push(next.launchAtLogin));
    await store.update({ launchAtLogin: true });
    const reopened = await SettingsStore.open(file);
    assert.equal(reopened.get().launchAtLogin, true);
    assert.deepEqual(changes, [true]);
    await writeFile(file, '{not json');
    assert.equal((await SettingsStore.open(file)).get().launchAtLogin, false);
  });

  it('SettingsStore: a damaged file is kept aside, not overwritten, and the store says so', async () => {
    const file = join(dir, 'damaged', 'settings.json');
    await mkdir(join(dir, 'damaged'), { recursive: true });
    const edited = JSON.stringify({ notifications: 'sometimes', launchAtLogin: true });
    await writeFile(file, edited);
    const store = await SettingsStore.open(file);
    assert.deepEqual(store.get(), { notifications: true, launchAtLogin: false, closeToTray: true });
    const keptAs = /kept as (\S+);/.exec(store.problem ?? '')?.[1] ?? '';
    assert.ok(keptAs.startsWith(`${file}.damaged-`), store.problem ?? 'no problem reported');
    assert.match(store.problem ?? '', /notifications: .*uses the default settings/);
    await store.update({ closeToTray: false });
    assert.equal(await readFile(keptAs, 'utf8'), edited, 'the damaged bytes survive the next update');
    assert.equal((await SettingsStore.open(file)).problem, null);
  });
});
