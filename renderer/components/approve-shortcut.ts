/** The approve shortcut (Ctrl/Cmd+Shift+A): opens the approve dialog, and confirms it as a fresh press. */
const MOD_KEY = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? 'Cmd' : 'Ctrl';
export const APPROVE_SHORTCUT = `${MOD_KEY}+Shift+A`;

export function isApproveShortcut(event: {
  key: string;
  code?: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}): boolean {
  return (
    (event.ctrlKey || event.metaKey) && event.shiftKey && (event.code === 'KeyA' || event.key.toLowerCase() === 'a')
  );
}
