/**
 * The tray icon: the pending count in its tooltip (and title, shown next to the icon on
 * macOS), a context menu (Open, the count, Quit) and the app badge. Linux indicators
 * (AppIndicator / StatusNotifierItem) do not deliver clicks, so there the menu is the only
 * way in and a click handler is not relied upon.
 */
export interface TrayMenuItem {
  id: 'open' | 'count' | 'separator' | 'quit';
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export interface TrayLike {
  setToolTip(text: string): void;
  setTitle(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayDeps {
  createTray(): TrayLike;
  /** Electron's `Menu.buildFromTemplate`. */
  buildMenu(template: TrayMenuItem[]): unknown;
  platform: string;
  openWindow(): void;
  quit(): void;
  /** `app.setBadgeCount` where supported (macOS, Linux Unity); returns false when unsupported. */
  setBadgeCount?(count: number): boolean;
}

export const PRODUCT_NAME = 'HESO Approver';

export function pendingLabel(count: number): string {
  if (count === 0) return 'No approvals waiting';
  return count === 1 ? '1 approval waiting' : `${count} approvals waiting`;
}

export class TrayService {
  readonly #deps: TrayDeps;
  readonly #tray: TrayLike;
  #count = -1;

  constructor(deps: TrayDeps) {
    this.#deps = deps;
    this.#tray = deps.createTray();
    if (deps.platform !== 'linux') this.#tray.on('click', () => deps.openWindow());
    this.update(0);
  }

  get count(): number {
    return this.#count;
  }

  update(count: number): void {
    const safe = Number.isInteger(count) && count > 0 ? count : 0;
    if (safe === this.#count) return;
    this.#count = safe;
    this.#tray.setToolTip(`${PRODUCT_NAME} — ${pendingLabel(safe)}`);
    this.#tray.setTitle(safe > 0 ? String(safe) : '');
    this.#tray.setContextMenu(this.#deps.buildMenu(this.menuTemplate()));
    this.#deps.setBadgeCount?.(safe);
  }

  menuTemplate(): TrayMenuItem[] {
    return [
      { id: 'open', label: `Open ${PRODUCT_NAME}`, click: () => this.#deps.openWindow() },
      { id: 'count', label: pendingLabel(Math.max(0, this.#count)), enabled: false },
      { id: 'separator', type: 'separator' },
      { id: 'quit', label: 'Quit', click: () => this.#deps.quit() },
    ];
  }

  dispose(): void {
    this.#tray.destroy();
  }
}
