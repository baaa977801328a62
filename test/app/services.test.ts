import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PreventableEvent } from '../../src/app/navigation-guard.ts';
import { type NotificationLike, NotificationService } from '../../src/app/services/notification-service.ts';
import { type TrayLike, type TrayMenuItem, TrayService } from '../../src/app/services/tray-service.ts';
import { type WindowLike, WindowService } from '../../src/app/services/window-service.ts';
import type { NotificationRequest } from '../../src/approver/api.ts';

class FakeTray implements TrayLike {
  tooltip = '';
  title = '';
  menu: TrayMenuItem[] = [];
  clickListeners: Array<() => void> = [];
  destroyed = false;
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setTitle(text: string) {
    this.title = text;
  }
  setContextMenu(menu: unknown) {
    this.menu = menu as TrayMenuItem[];
  }
  on(_event: 'click', listener: () => void) {
    this.clickListeners.push(listener);
  }
  destroy() {
    this.destroyed = true;
  }
}

function makeTray(platform: string) {
  const tray = new FakeTray();
  const log: string[] = [];
  const badges: number[] = [];
  const service = new TrayService({
    createTray: () => tray,
    buildMenu: (template) => template,
    platform,
    openWindow: () => log.push('open'),
    quit: () => log.push('quit'),
    setBadgeCount: (n) => {
      badges.push(n);
      return true;
    },
  });
  return { tray, log, badges, service };
}

describe('TrayService', () => {
  it('shows the pending count in tooltip, title, menu and badge', () => {
    const { tray, badges, service } = makeTray('darwin');
    assert.match(tray.tooltip, /No approvals waiting/);
    assert.equal(tray.title, '');
    service.update(3);
    assert.equal(tray.tooltip, 'HESO Approver — 3 approvals waiting');
    assert.equal(tray.title, '3');
    assert.equal(tray.menu.find((i) => i.id === 'count')?.label, '3 approvals waiting');
    assert.equal(tray.menu.find((i) => i.id === 'count')?.enabled, false);
    service.update(1);
    assert.match(tray.tooltip, /1 approval waiting$/);
    assert.deepEqual(badges, [0, 3, 1]);
  });

  it('menu Open opens the window and Quit quits', () => {
    const { tray, log } = makeTray('linux');
    tray.menu.find((i) => i.id === 'open')?.click?.();
    tray.menu.find((i) => i.id === 'quit')?.click?.();
    assert.deepEqual(log, ['open', 'quit']);
  });

  it('relies on clicks only where the platform delivers them (not Linux)', () => {
    assert.equal(makeTray('linux').tray.clickListeners.length, 0);
    const mac = makeTray('darwin');
    mac.tray.clickListeners[0]?.();
    assert.deepEqual(mac.log, ['open']);
  });
});

class FakeNotification implements NotificationLike {
  clicks: Array<() => void> = [];
  shown = false;
  closed = false;
  constructor(readonly options: { title: string; body: string }) {}
  on(_e: 'click', l: () => void) {
    this.clicks.push(l);
  }
  show() {
    this.shown = true;
  }
  close() {
    this.closed = true;
  }
  click() {
    for (const l of this.clicks) l();
  }
}

function makeNotifications(enabled = true) {
  const created: FakeNotification[] = [];
  const log: string[] = [];
  const service = new NotificationService({
    isSupported: () => true,
    create: (o) => {
      const n = new FakeNotification(o);
      created.push(n);
      return n;
    },
    enabled: () => enabled,
    focusWindow: () => log.push('focus'),
    navigate: (id) => log.push(`navigate:${id}`),
  });
  return { created, log, service };
}

describe('NotificationService', () => {
  const single: NotificationRequest = {
    kind: 'single',
    approvalId: 'ap-7',
    title: 'Approval needed',
    body: 'deploy prod',
  };

  it('shows the engine notification as is; a click focuses and opens that approval, never approves', () => {
    const { created, log, service } = makeNotifications();
    assert.equal(service.show(single), true);
    assert.equal(created[0]?.shown, true);
    assert.deepEqual(created[0]?.options, { title: 'Approval needed', body: 'deploy prod' });
    created[0]?.click();
    assert.deepEqual(log, ['focus', 'navigate:ap-7']);
  });

  it('a summary click focuses the queue without navigating', () => {
    const { created, log, service } = makeNotifications();
    service.show({ kind: 'summary', count: 5, title: '5 approvals waiting', body: '' });
    created[0]?.click();
    assert.deepEqual(log, ['focus']);
  });

  it('shows nothing when the user turned notifications off', () => {
    const { created, service } = makeNotifications(false);
    assert.equal(service.show(single), false);
    assert.equal(created.length, 0);
  });
});

describe('WindowService', () => {
  function makeWindow() {
    const log: string[] = [];
    const listeners = new Map<string, (e: PreventableEvent) => void>();
    let destroyed = false;
    const win: WindowLike = {
      show: () => log.push('show'),
      hide: () => log.push('hide'),
      focus: () => log.push('focus'),
      restore: () => log.push('restore'),
      isMinimized: () => false,
      isDestroyed: () => destroyed,
      on: (event: string, l: (e: PreventableEvent) => void) => listeners.set(event, l),
      webContents: {
        send: (channel, payload) => log.push(`send:${channel}:${JSON.stringify(payload)}`),
        isLoading: () => false,
        once: () => undefined,
        mainFrame: { url: 'app://heso/index.html' },
      },
    } as WindowLike;
    const close = () => {
      let prevented = false;
      listeners.get('close')?.({ preventDefault: () => (prevented = true) });
      if (!prevented) {
        destroyed = true;
        (listeners.get('closed') as unknown as () => void)();
      }
      return prevented;
    };
    return { win, log, close };
  }

  it('hides instead of closing when close-to-tray is on, and closes when quitting', () => {
    const { win, log, close } = makeWindow();
    let created = 0;
    const service = new WindowService({
      createWindow: () => {
        created += 1;
        return win;
      },
      closeToTray: () => true,
      hasTray: () => true,
    });
    service.open();
    assert.equal(close(), true);
    assert.ok(log.includes('hide'));
    service.open();
    assert.equal(created, 1, 'the hidden window is reused');
    service.markQuitting();
    assert.equal(close(), false);
    assert.equal(service.window, null);
  });

  it('closes for real without a tray, even with close-to-tray on', () => {
    const { win, close } = makeWindow();
    const service = new WindowService({ createWindow: () => win, closeToTray: () => true, hasTray: () => false });
    service.open();
    assert.equal(close(), false);
  });

  it('navigate opens the window and sends only a navigate event', () => {
    const { win, log } = makeWindow();
    const service = new WindowService({ createWindow: () => win, closeToTray: () => true, hasTray: () => true });
    service.navigate('ap-9');
    assert.deepEqual(log, ['show', 'focus', 'send:heso:navigate:{"approvalId":"ap-9"}']);
  });
});
