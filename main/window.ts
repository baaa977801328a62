/** The hardened BrowserWindow of the approver (Signal/Element-style webPreferences). */
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from '../src/app/app-url.ts';

export function createAppWindow(options: { preloadPath: string; devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1120,
    height: 780,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'HESO Approver',
    autoHideMenuBar: true,
    backgroundColor: '#1e1f24',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: options.devTools,
    },
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}
