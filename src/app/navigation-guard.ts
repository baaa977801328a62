/**
 * One guard for every web contents the app ever creates (Electron's `web-contents-created`):
 * navigation is allowed only within the app's own page; new windows are always denied (a
 * vetted https link goes to the system browser instead); <webview> attachment is denied.
 * Written against the few WebContents members it uses, so it is unit-tested under Node.
 */
import { isAppUrl } from './app-url.ts';
import { safeExternalUrl } from './external-url.ts';

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
  /** Opens an already-vetted https URL in the system browser. */
  openExternal(url: string): void;
  /** Told about every refusal (for the log); never given anything secret. */
  onBlocked?(what: 'navigation' | 'window' | 'webview', url: string): void;
}

export function guardWebContents(contents: GuardedWebContents, deps: GuardDeps): void {
  const blockNavigation = (event: NavigationEvent) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    deps.onBlocked?.('navigation', event.url);
    const external = safeExternalUrl(event.url);
    if (external) deps.openExternal(external);
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
    const external = safeExternalUrl(url);
    if (external) deps.openExternal(external);
    return { action: 'deny' };
  });
}
