/**
 * Browser mode (the loopback web host, no Electron tray): Web Notifications for new pending
 * approvals, once the person allowed them (the browser asks only after a click on "Allow").
 * Clicking a notification focuses the app and opens that approval's detail; it never approves.
 * Items present when the page loads are not announced (they are on screen already).
 */
import { useEffect, useRef, useState } from 'react';
import type { PendingItem } from '../../src/approver/api.ts';
import { headlineOf } from './headline.ts';
import { visibleText } from './visible.ts';

export type NotificationPermissionState = NotificationPermission | 'unsupported';

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser (call from a click). Resolves with the new state. */
export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** The current permission, re-read when the tab regains focus (the person may change it in the browser). */
export function useNotificationPermission(): [NotificationPermissionState, (p: NotificationPermissionState) => void] {
  const [permission, setPermission] = useState(notificationPermission);
  useEffect(() => {
    const update = () => setPermission(notificationPermission());
    window.addEventListener('focus', update);
    return () => window.removeEventListener('focus', update);
  }, []);
  return [permission, setPermission];
}

export function useWebNotifications(
  enabled: boolean,
  items: readonly PendingItem[],
  onOpen: (approvalId: string) => void,
): void {
  const seen = useRef<Set<string> | null>(null);
  const open = useRef(onOpen);
  open.current = onOpen;
  useEffect(() => {
    const ids = new Set(items.map((i) => i.approval.id));
    const previous = seen.current;
    seen.current = ids;
    if (!previous || !enabled || notificationPermission() !== 'granted') return;
    for (const item of items) {
      if (previous.has(item.approval.id)) continue;
      const { action } = item.approval.receipt.statement;
      const notification = new Notification('Approval needed', {
        body: `${visibleText(headlineOf(action).text)} · code ${item.shortCode}`,
        tag: item.approval.id,
      });
      notification.onclick = () => {
        window.focus();
        open.current(item.approval.id);
        notification.close();
      };
    }
  }, [enabled, items]);
}
