/**
 * OS notifications for new pending approvals. The engine already rate-limits and coalesces
 * them (`notify` events); this service only shows them, honouring the user's setting.
 * Clicking one brings the window forward and opens that approval's detail (a `navigate`
 * event to the renderer). It has no way to approve: it is given no engine at all.
 */
import type { NotificationRequest } from '../../approver/api.ts';

export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
  close(): void;
}

export interface NotificationDeps {
  isSupported(): boolean;
  create(options: { title: string; body: string }): NotificationLike;
  enabled(): boolean;
  focusWindow(): void;
  navigate(approvalId: string): void;
}

/** Shown notifications are kept referenced; otherwise they can be garbage-collected and lose their click. */
const MAX_KEPT = 20;

export class NotificationService {
  readonly #deps: NotificationDeps;
  readonly #shown: NotificationLike[] = [];

  constructor(deps: NotificationDeps) {
    this.#deps = deps;
  }

  /** Returns whether a notification was shown. */
  show(request: NotificationRequest): boolean {
    if (!this.#deps.enabled() || !this.#deps.isSupported()) return false;
    const notification = this.#deps.create({ title: request.title, body: request.body });
    notification.on('click', () => {
      this.#deps.focusWindow();
      switch (request.kind) {
        case 'single':
          this.#deps.navigate(request.approvalId);
          break;
        case 'summary':
          break; // the queue itself is the right place for several approvals
        default: {
          const never: never = request;
          return never;
        }
      }
    });
    notification.show();
    this.#shown.push(notification);
    while (this.#shown.length > MAX_KEPT) this.#shown.shift()?.close();
    return true;
  }

  dispose(): void {
    for (const n of this.#shown.splice(0)) n.close();
  }
}
