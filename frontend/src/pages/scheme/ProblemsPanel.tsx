// Validation of the draft: errors (they block publishing) and warnings, each naming the
// node (and port) it is about; choosing one shows that node.
import { portLabel } from '../../flow/labels';
import type { Finding, Validation } from '../../flow/types';
import { useI18n } from '../../i18n';

export function ProblemsPanel({
  validation,
  refused,
  onShow,
}: {
  validation: Validation | null;
  refused: Finding[] | null;
  onShow: (node: string) => void;
}) {
  const { t } = useI18n();
  const findings = refused ?? (validation ? [...validation.errors, ...validation.warnings] : []);
  return (
    <section className="problems" data-testid="problems">
      <h2>{t('problems.title')}</h2>
      {refused && <div className="alert">{t('problems.publishRefused')}</div>}
      {!validation && !refused && <p className="muted">{t('common.loading')}</p>}
      {validation && !refused && findings.length === 0 && <p className="muted">{t('problems.none')}</p>}
      {findings.length > 0 && (
        <ul className="finding-list">
          {findings.map((f, i) => (
            <li key={i} className={`finding finding--${f.severity}`}>
              <span className="finding__severity">{f.severity === 'error' ? t('problems.error') : t('problems.warning')}</span>{' '}
              {f.node ? (
                <button type="button" className="link-button mono" onClick={() => onShow(f.node!)}>
                  {f.node}
                  {f.port ? ` · ${portLabel(f.port, t)}` : ''}
                </button>
              ) : null}{' '}
              {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
