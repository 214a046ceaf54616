import type { Problem } from '../api';
import { useI18n } from '../i18n';

/** A server error: its detail (RFC 9457), with a retry button when given one. */
export function ProblemAlert({ problem, onRetry }: { problem: Problem; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="alert" role="alert">
      <strong>{problem.title || t('common.error')}</strong>
      {problem.detail && problem.detail !== problem.title && <span> — {problem.detail}</span>}
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}
