/**
 * One guard for every web contents the app ever creates (Electron's `web-contents-created`):
 * navigation is allowed only within the app's own page; new windows are always denied;
 * <webview> attachment is denied. Deny-only: nothing the page does (a link, a redirect,
 * `window.open`) opens anything outside the app, so a compromised page cannot launch the
 * system browser at a URL of its choosing without the person asking for it.
 * Written against the few WebContents members it uses, so it is unit-tested under Node.
 */
import { isAppUrl } from './app-url.ts';

export interface PreventableEvent {
  preventDefault(): void;
}
export interface NavigationEvent extends PreventableEvent {
  url: string;
}

export interface GuardedWebContents {
  on(
    event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect',
    listener: (event: NavigationEvent) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface GuardDeps {
  /** Told about every refusal (for the log); never given anything secret. */
  onBlocked?(what: 'navigation' | 'window' | 'webview', url: string): void;
}

export function guardWebContents(contents: GuardedWebContents, deps: GuardDeps = {}): void {
  const blockNavigation = (event: NavigationEvent) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    deps.onBlocked?.('navigation', event.url);
  };
  contents.on('will-navigate', blockNavigation);
  contents.on('will-frame-navigate', blockNavigation);
  contents.on('will-redirect', blockNavigation);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    deps.onBlocked?.('webview', '');
  });
  contents.setWindowOpenHandler(({ url }) => {
    deps.onBlocked?.('window', url);
    return { action: 'deny' };
  });
}
