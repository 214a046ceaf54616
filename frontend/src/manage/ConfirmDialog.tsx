// A modal confirmation ("Delete extension 201 Sales?") with the server's answer when it refuses.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import type { Problem } from '../api';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';

interface Props {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  problem?: Problem | null;
  onConfirm: () => void;
  onCancel: () => void;
  /** Extra action next to the buttons (a reload after a conflict). */
  extra?: ReactNode;
}

export function ConfirmDialog({ title, children, confirmLabel, busy = false, problem, onConfirm, onCancel, extra }: Props) {
  const { t } = useI18n();
  const titleId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    opener.current = document.activeElement;
    cancelRef.current?.focus();
    return () => {
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
  }, []);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onCancel()}>
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !busy) onCancel();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
        {problem && <ProblemAlert problem={problem} />}
        <div className="modal__actions">
          {extra}
          <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
            {confirmLabel}
          </button>
          <button type="button" ref={cancelRef} disabled={busy} onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}
