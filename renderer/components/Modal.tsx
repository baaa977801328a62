/**
 * A modal on the native <dialog> element: focus is trapped by the browser, Escape cancels
 * (the `cancel` event) and the page behind is inert. Focus returns to the trigger on close.
 */
import { type KeyboardEvent, type ReactNode, useId, useLayoutEffect, useRef } from 'react';

export interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Extra key handling inside the dialog (runs before the browser's defaults). */
  onKeyDown?: (event: KeyboardEvent<HTMLDialogElement>) => void;
  testId?: string;
}

export function Modal({ title, onClose, children, className, onKeyDown, testId }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useLayoutEffect(() => {
    // The dialog leaves the DOM when it closes, so the browser cannot hand focus back: we do.
    const trigger = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (trigger?.isConnected) trigger.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
