import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IpcMainInvokeEvent } from 'electron';
import { type IpcMainLike, registerHandlers } from '../../main/ipc.ts';
import { APP_ENTRY_URL } from '../../src/app/app-url.ts';
import { invokeChannels } from '../../src/app/contract.ts';
import { createDispatcher } from '../../src/app/dispatch.ts';
import { type WindowLike, WindowService } from '../../src/app/services/window-service.ts';
import type { InvokeEnvelope } from '../../src/app/wire.ts';
import { FakeEngine } from './support/fake-engine.ts';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/** Behaves like ipcMain for what we use: one handler per channel, invoking an unknown one rejects. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, frame: unknown, ...args: unknown[]): Promise<InvokeEnvelope> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return (await handler({ senderFrame: frame } as unknown as IpcMainInvokeEvent, ...args)) as InvokeEnvelope;
  }
}

function fakeWindow(url: string): WindowLike {
  return {
    show() {},
    hide() {},
    focus() {},
    restore() {},
    isMinimized: () => false,
    isDestroyed: () => false,
    on: () => undefined,
    webContents: {
      send() {},
      isLoading: () => false,
      once: () => undefined,
      mainFrame: { url, frameToken: 'top-token', processId: 4, parent: null },
    },
  };
}

function setup(pageUrl = APP_ENTRY_URL) {
  const engine = new FakeEngine();
  const dispatcher = createDispatcher(engine, {
    settings: {
      get: () => ({ notifications: true, launchAtLogin: false, closeToTray: true }),
      update: async () => ({ notifications: true, launchAtLogin: false, closeToTray: true }),
    },
    appInfo: { version: '1', platform: 'linux', shell: 'electron' },
  });
  const win = fakeWindow(pageUrl);
  const windows = new WindowService({ createWindow: () => win, closeToTray: () => true, hasTray: () => true });
  windows.open();
  const ipc = new FakeIpcMain();
  const refused: string[] = [];
  const unregister = registerHandlers(ipc, dispatcher, {
    isTrustedSender: (frame) => windows.isTrustedSender(frame),
    onRefused: (channel) => refused.push(channel),
  });
  return { engine, ipc, topFrame: win.webContents.mainFrame, refused, unregister };
}

describe('registerHandlers (typed IPC wrapper)', () => {
  it('registers exactly the contract channels, prefixed, and unregisters them', () => {
    const { ipc, unregister } = setup();
    assert.deepEqual([...ipc.handlers.keys()].sort(), invokeChannels.map((c) => `heso:${c}`).sort());
    unregister();
    assert.equal(ipc.handlers.size, 0);
  });

  it('routes a good call from the trusted top frame to the engine', async () => {
    const { ipc, engine, topFrame } = setup();
    assert.deepEqual(await ipc.invoke('heso:queue:start', topFrame, { name: 'team-1' }), { ok: true, value: null });
    assert.deepEqual(engine.calls.at(-1), { method: 'start', args: ['team-1'] });
  });

  it('refuses bad arguments with an error naming the field', async () => {
    const { ipc, engine, topFrame } = setup();
    const out = await ipc.invoke('heso:approval:decide', topFrame, { approvalId: 'ap 1', decision: 'approve' });
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.error.code, 'bad_request');
    assert.equal(!out.ok && out.error.field, 'approvalId');
    assert.match(!out.ok ? out.error.message : '', /approval:decide: approvalId/);
    const extraArgs = await ipc.invoke('heso:queue:start', topFrame, { name: 'a' }, { name: 'b' });
    assert.equal(!extraArgs.ok && extraArgs.error.code, 'bad_request');
    assert.equal(engine.calls.length, 0);
  });

  it('accepts the same top frame through another wrapper object (same frame token and process)', async () => {
    const { ipc } = setup();
    const sameFrame = { url: APP_ENTRY_URL, frameToken: 'top-token', processId: 4, parent: null };
    assert.equal((await ipc.invoke('heso:app:info', sameFrame, null)).ok, true);
  });

  it('refuses calls from any other frame: a subframe, another window, no frame, a foreign page', async () => {
    const { ipc, engine, refused, topFrame } = setup();
    const frames = [
      { url: APP_ENTRY_URL, frameToken: 'child', processId: 4, parent: topFrame },
      { url: APP_ENTRY_URL, frameToken: 'top-token', processId: 9, parent: null },
      { ...topFrame, detached: true },
      null,
      undefined,
      { url: 'https://evil.example/' },
    ];
    for (const frame of frames) {
      const out = await ipc.invoke('heso:approval:decide', frame, { approvalId: 'ap-1', decision: 'approve' });
      assert.equal(!out.ok && out.error.code, 'forbidden');
    }
    assert.equal(engine.calls.length, 0);
    assert.equal(refused.length, frames.length);
  });

  it('refuses the top frame once it shows something other than our page', async () => {
    const { ipc, engine, topFrame } = setup('https://evil.example/phish');
    const out = await ipc.invoke('heso:queue:start', topFrame, { name: 'a' });
    assert.equal(!out.ok && out.error.code, 'forbidden');
    assert.equal(engine.calls.length, 0);
  });

  it('has no handler for channels outside the contract', async () => {
    const { ipc, topFrame } = setup();
    for (const channel of ['heso:engine:sign', 'heso:keys:export', 'approval:decide', 'heso:']) {
      await assert.rejects(ipc.invoke(channel, topFrame, null), /No handler registered/);
    }
  });
});
