/**
 * The built renderer (dist-renderer/, the production bundle) in Chromium with a scripted
 * `window.heso` instead of the engine: for UI behaviour that needs exact data (1,000 items,
 * a given rule, a given history) without a control plane. The bundle is served from a
 * routed origin; the stub bridge is installed before the bundle runs, so main.tsx uses it.
 *
 * In the page, `window.__stub.emit(channel, payload)` pushes an event and
 * `window.__stub.calls` lists every invoke (channel and args).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { AppInfo, Settings } from '../../src/app/contract.ts';
import type { HistoryView, PendingItem, ProfileView, QueueSnapshot, RuleView } from '../../src/approver/api.ts';
import { fingerprintOf, generateKeyPair, keyIdOf } from '../../src/core/crypto.ts';
import { b64url } from '../../src/core/encoding.ts';
import { openPage, RENDERER_DIR, type TrackedPage } from './browser.ts';

export const STUB_ORIGIN = 'http://heso.test';

export interface StubData {
  profiles: ProfileView[];
  snapshot: QueueSnapshot;
  history: HistoryView;
  /** By approval id; others answer "no rule". */
  rules: Record<string, RuleView>;
  settings: Settings;
  info: AppInfo;
}

export function stubProfile(name = 'acme'): ProfileView {
  const key = generateKeyPair();
  return {
    name,
    endpoint: 'https://heso.example.com',
    teamId: name,
    displayName: 'Dana Reviewer',
    keyId: keyIdOf(key.publicKey),
    publicKey: b64url.encode(key.publicKey),
    fingerprint: fingerprintOf(key.publicKey),
    keyStatus: 'active',
    hasApiKey: true,
    apiKeyRole: 'approver',
  };
}

export function stubData(items: PendingItem[], overrides: Partial<StubData> = {}): StubData {
  const profiles = overrides.profiles ?? [stubProfile()];
  return {
    profiles,
    snapshot: {
      profile: profiles[0]?.name ?? null,
      items,
      connection: { kind: 'online', message: 'Connected', retryAt: null, lastSyncAt: new Date().toISOString() },
    },
    history: { entries: [], verification: { ok: true, count: 0, problem: null } },
    rules: {},
    settings: { notifications: true, launchAtLogin: false, closeToTray: true },
    info: { version: '0.0.0-test', platform: 'linux', shell: 'browser' },
    ...overrides,
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Runs in the page before any of its scripts: the scripted bridge. Plain JavaScript text, not
 * a function of this file: the test's TypeScript transform adds helpers a page does not have.
 */
const STUB_SOURCE = `(data) => {
  const listeners = new Map();
  const calls = [];
  const state = structuredClone(data);
  const emit = (channel, payload) => {
    if (channel === 'queue') state.snapshot = payload;
    for (const listener of listeners.get(channel) ?? []) listener(payload);
  };
  const handlers = {
    'app:info': () => state.info,
    'profiles:list': () => state.profiles,
    'queue:start': (a) => {
      state.snapshot = { ...state.snapshot, profile: a.name, items: [] };
      return null;
    },
    'queue:snapshot': () => state.snapshot,
    'approval:get': (a) => state.snapshot.items.find((i) => i.approval.id === a.approvalId) ?? null,
    'approval:rule': (a) =>
      state.rules[a.approvalId] ?? { version: 'v', ruleId: null, rule: null, problem: 'No rule in this test.' },
    'approval:decide': (a) => {
      const item = state.snapshot.items.find((i) => i.approval.id === a.approvalId);
      const next = { ...state.snapshot, items: state.snapshot.items.filter((i) => i !== item) };
      setTimeout(() => emit('queue', next), 0);
      const status = a.decision === 'approve' ? 'approved' : 'denied';
      return { status: 'accepted', message: 'Recorded.', approval: item ? { ...item.approval, status } : null };
    },
    'history:get': () => state.history,
    'settings:get': () => state.settings,
    'settings:set': (patch) => {
      state.settings = { ...state.settings, ...patch };
      return state.settings;
    },
    'operators:list': () => [],
  };
  const bridge = {
    async invoke(channel, args) {
      calls.push({ channel, args });
      const handler = handlers[channel];
      if (!handler) throw new Error('The test stub has no ' + channel + '.');
      return handler(args);
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
  Object.assign(window, { heso: bridge, __stub: { emit, calls } });
}`;

export interface StubbedApp extends TrackedPage {
  /** Pushes a bridge event into the page. */
  emit(channel: string, payload: unknown): Promise<void>;
  /** Every invoke the renderer made so far. */
  calls(): Promise<{ channel: string; args: unknown }[]>;
}

export async function openStubbedApp(
  browser: Browser,
  data: StubData,
  options: {
    colorScheme?: 'light' | 'dark';
    viewport?: { width: number; height: number };
    /** More plain-JavaScript to run before the page's scripts (e.g. a recording Notification). */
    initScript?: string;
  } = {},
): Promise<StubbedApp> {
  const tracked = await openPage(browser, options);
  const { context, page } = tracked;
  await context.route(`${STUB_ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = normalize(join(RENDERER_DIR, path === '/' ? 'index.html' : path));
    if (!file.startsWith(RENDERER_DIR)) return route.fulfill({ status: 404 });
    try {
      const body = await readFile(file);
      await route.fulfill({ status: 200, body, contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
    } catch {
      await route.fulfill({ status: 404 });
    }
  });
  await page.addInitScript({ content: `(${STUB_SOURCE})(${JSON.stringify(data)});` });
  if (options.initScript) await page.addInitScript({ content: options.initScript });
  await page.goto(`${STUB_ORIGIN}/`);
  return {
    ...tracked,
    emit: (channel, payload) =>
      page.evaluate(([c, p]) => (window as unknown as StubWindow).__stub.emit(c, p), [channel, payload] as const),
    calls: () => page.evaluate(() => (window as unknown as StubWindow).__stub.calls),
  };
}

interface StubWindow {
  __stub: { emit(channel: string, payload: unknown): void; calls: { channel: string; args: unknown }[] };
}

/** Rows currently in the DOM (the virtualised list renders only those in view). */
export function renderedRows(page: Page) {
  return page.locator('[data-testid=queue-item]');
}
