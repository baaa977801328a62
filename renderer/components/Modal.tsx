/**
 * A modal on the native <dialog> element: focus is trapped by the browser, Escape cancels
 * (the `cancel` event) and the page behind is inert.
 */
import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from 'react';

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
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
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
