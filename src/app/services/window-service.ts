/**
 * The one app window: created on demand, brought forward on a second launch, a tray click or
 * a notification click, hidden (not closed) when "close to tray" is on, and the only frame
 * whose IPC calls are trusted. Electron is injected (`WindowLike`) so this is tested under Node.
 */
import { isAppUrl } from '../app-url.ts';
import { CHANNEL_PREFIX, type EventChannel, type EventContract } from '../contract.ts';
import type { PreventableEvent } from '../navigation-guard.ts';

/** The members of Electron's WebFrameMain the sender check reads. */
export interface FrameLike {
  url: string;
  frameToken?: string;
  processId?: number;
  parent?: unknown;
  detached?: boolean;
}

function sameFrame(a: FrameLike, b: FrameLike): boolean {
  if (a === b) return true;
  // Electron may hand out a fresh wrapper for the same frame: compare its identity instead.
  return a.frameToken !== undefined && a.frameToken === b.frameToken && a.processId === b.processId;
}

export interface WindowLike {
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  webContents: {
    send(channel: string, payload: unknown): void;
    isLoading(): boolean;
    once(event: 'did-finish-load', listener: () => void): unknown;
    mainFrame: FrameLike;
  };
}

export interface WindowDeps {
  /** Creates the BrowserWindow (hardened webPreferences) and starts loading the app page. */
  createWindow(): WindowLike;
  closeToTray(): boolean;
  /** Without a tray icon, hiding the window would leave no way back: close for real then. */
  hasTray(): boolean;
}

export class WindowService {
  readonly #deps: WindowDeps;
  #window: WindowLike | null = null;
  #quitting = false;

  constructor(deps: WindowDeps) {
    this.#deps = deps;
  }

  get window(): WindowLike | null {
    return this.#window && !this.#window.isDestroyed() ? this.#window : null;
  }

  /** Shows and focuses the window, creating it when there is none. */
  open(): WindowLike {
    const win = this.prepare();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return win;
  }

  /** Creates the window when there is none, without showing it. */
  prepare(): WindowLike {
    let win = this.window;
    if (!win) {
      win = this.#deps.createWindow();
      this.#window = win;
      const created = win;
      created.on('close', (event) => {
        if (!this.#quitting && this.#deps.closeToTray() && this.#deps.hasTray()) {
          event.preventDefault();
          created.hide();
        }
      });
      created.on('closed', () => {
        if (this.#window === created) this.#window = null;
      });
    }
    return win;
  }

  /** From now on a close really closes (the user chose Quit, or the OS is shutting down). */
  markQuitting(): void {
    this.#quitting = true;
  }

  send<E extends EventChannel>(event: E, payload: EventContract[E]): void {
    const win = this.window;
    if (!win) return;
    const deliver = () => win.webContents.send(`${CHANNEL_PREFIX}${event}`, payload);
    if (win.webContents.isLoading()) win.webContents.once('did-finish-load', deliver);
    else deliver();
  }

  /** Opens the window on an approval's detail (a notification was clicked). Never approves. */
  navigate(approvalId: string): void {
    this.open();
    this.send('navigate', { approvalId });
  }

  /** True only for the top frame of our own window, showing our own page. */
  isTrustedSender(frame: FrameLike | null | undefined): boolean {
    const win = this.window;
    if (!win || !frame || frame.detached === true) return false;
    const top = win.webContents.mainFrame;
    return sameFrame(frame, top) && (frame.parent ?? null) === null && isAppUrl(frame.url);
  }
}
