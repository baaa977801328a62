/**
 * Electron main process: thin glue between Electron and the tested logic in src/app/.
 * Security posture: single instance; one sandboxed, context-isolated window with no Node;
 * the app page on a private `app://` scheme with a strict CSP; one navigation / window-open /
 * webview guard on every web contents; all permission requests denied; no DevTools when
 * packaged; IPC only through the contract, only from our own top frame.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  ipcMain,
  Menu,
  type MenuItemConstructorOptions,
  Notification,
  nativeImage,
  protocol,
  session,
  Tray,
} from 'electron';
import { createAppProtocolHandler, RENDERER_BUILD_DIR } from '../src/app/app-protocol.ts';
import { APP_SCHEME } from '../src/app/app-url.ts';
import { CONTENT_SECURITY_POLICY } from '../src/app/content-security-policy.ts';
import { createDispatcher } from '../src/app/dispatch.ts';
import { createAppEngine } from '../src/app/engine-factory.ts';
import { guardWebContents } from '../src/app/navigation-guard.ts';
import { NotificationService } from '../src/app/services/notification-service.ts';
import { TrayService } from '../src/app/services/tray-service.ts';
import { WindowService } from '../src/app/services/window-service.ts';
import { SettingsStore, settingsFileFor } from '../src/app/settings-store.ts';
import { registerHandlers } from './ipc.ts';
import { createAppWindow } from './window.ts';

const here = dirname(fileURLToPath(import.meta.url));
const startHidden = process.argv.includes('--hidden');
const configDirArg = process.argv.find((a) => a.startsWith('--config-dir='))?.slice('--config-dir='.length);

// Must happen before `ready`: a standard, secure scheme gets a real origin (app://heso) for CSP 'self'.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false } },
]);
app.enableSandbox();

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

async function run(): Promise<void> {
  await app.whenReady();
  hardenSession();
  protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler(join(app.getAppPath(), RENDERER_BUILD_DIR), { followSymlinks: !app.isPackaged }),
  );

  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents);
    if (app.isPackaged) contents.on('devtools-opened', () => contents.closeDevTools());
  });

  const settings = await SettingsStore.open(settingsFileFor('electron', app.getPath('userData')));
  const engine = createAppEngine(configDirArg ? { configDir: configDirArg } : {});
  const dispatcher = createDispatcher(engine, {
    settings,
    appInfo: { version: app.getVersion(), platform: process.platform, shell: 'electron' },
  });

  let tray: TrayService | null = null;
  const windows = new WindowService({
    createWindow: () =>
      createAppWindow({ preloadPath: join(here, '..', 'preload', 'preload.cjs'), devTools: !app.isPackaged }),
    closeToTray: () => settings.get().closeToTray,
    hasTray: () => tray !== null,
  });

  registerHandlers(ipcMain, dispatcher, {
    isTrustedSender: (frame) => windows.isTrustedSender(frame),
    onRefused: (channel) => console.warn(`[heso] refused IPC ${channel} from an untrusted frame`),
  });
  dispatcher.subscribe((event, payload) => windows.send(event, payload));

  try {
    tray = new TrayService({
      createTray: () => new Tray(nativeImage.createFromPath(join(here, '..', 'assets', 'tray.png'))),
      buildMenu: (template) => Menu.buildFromTemplate(template as MenuItemConstructorOptions[]),
      platform: process.platform,
      openWindow: () => windows.open(),
      quit: () => app.quit(),
      setBadgeCount: (count) => app.setBadgeCount(count),
    });
  } catch (err) {
    // Some Linux desktops have no tray: the app still works, closing the window then quits.
    console.warn('[heso] no tray icon available:', err instanceof Error ? err.message : err);
  }
  engine.on('queue', (snapshot) => tray?.update(snapshot.items.length));

  const notifications = new NotificationService({
    isSupported: () => Notification.isSupported(),
    create: (options) => new Notification(options),
    enabled: () => settings.get().notifications,
    focusWindow: () => windows.open(),
    navigate: (approvalId) => windows.navigate(approvalId),
  });
  engine.on('notify', (request) => notifications.show(request));

  const applyLoginItem = (openAtLogin: boolean) => {
    if (process.platform === 'darwin' || process.platform === 'win32') {
      app.setLoginItemSettings({ openAtLogin, args: ['--hidden'] });
    }
  };
  applyLoginItem(settings.get().launchAtLogin);
  settings.onChange((next, previous) => {
    if (next.launchAtLogin !== previous.launchAtLogin) applyLoginItem(next.launchAtLogin);
  });

  app.on('second-instance', () => windows.open());
  app.on('activate', () => windows.open());
  app.on('before-quit', () => windows.markQuitting());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    notifications.dispose();
    tray?.dispose();
    void engine.stop();
  });

  // Launched at login: the window is created (its page follows the queue) but stays hidden.
  if (startHidden && tray) windows.prepare();
  else windows.open();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run().catch((err: unknown) => {
    console.error('[heso] the approver failed to start:', err instanceof Error ? err.message : err);
    app.exit(1);
  });
}
