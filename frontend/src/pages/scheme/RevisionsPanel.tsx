// Published revisions, newest first: compare one with the draft (drawn on the canvas)
// or revert to it (published again as a new revision, and made the draft).
import { useState } from 'react';
import { toProblem, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import type { DiffView } from '../../flow/diff';
import type { Revision } from '../../flow/types';
import { useI18n } from '../../i18n';

interface Props {
  revisions: Revision[] | undefined;
  loading: boolean;
  problem: Problem | null;
  onRetry: () => void;
  comparing: number | null;
  diff: DiffView | null;
  readOnly: boolean;
  onCompare: (revision: number | null) => void;
  onRevert: (revision: number, comment: string) => Promise<void>;
}

export function RevisionsPanel({ revisions, loading, problem, onRetry, comparing, diff, readOnly, onCompare, onRevert }: Props) {
  const { t, lang } = useI18n();
  const [reverting, setReverting] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [revertProblem, setRevertProblem] = useState<Problem | null>(null);

  const submitRevert = async (number: number) => {
    setBusy(true);
    setRevertProblem(null);
    try {
      await onRevert(number, comment.trim());
      setReverting(null);
      setComment('');
    } catch (error) {
      setRevertProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="revisions" data-testid="revisions">
      <h2>{t('revisions.title')}</h2>
      {comparing !== null && diff && (
        <div className="notice diff-summary" data-testid="diff-summary">
          <div>{t('revisions.comparing', { n: comparing })}</div>
          <div className="diff-legend">
            <span className="legend legend--added">{t('revisions.added', { n: diff.counts.added })}</span>
            <span className="legend legend--removed">{t('revisions.removed', { n: diff.counts.removed })}</span>
            <span className="legend legend--changed">{t('revisions.changed', { n: diff.counts.changed })}</span>
            <span className="legend">{t('revisions.edges', { added: diff.counts.edgesAdded, removed: diff.counts.edgesRemoved })}</span>
          </div>
          <button type="button" onClick={() => onCompare(null)}>
            {t('revisions.stopComparing')}
          </button>
        </div>
      )}
      {loading && <p className="muted">{t('common.loading')}</p>}
      {problem && <ProblemAlert problem={problem} onRetry={onRetry} />}
      {revertProblem && <ProblemAlert problem={revertProblem} />}
      {revisions && revisions.length === 0 && <p className="muted">{t('revisions.none')}</p>}
      {revisions && revisions.length > 0 && (
        <ol className="revision-list" data-testid="revision-list">
          {revisions.map((r) => (
            <li key={r.number} className={r.live ? 'is-live' : undefined} data-revision={r.number}>
              <div className="revision-list__head">
                <strong>{t('scheme.revisionN', { n: r.number })}</strong>
                {r.live && <span className="badge badge--live">{t('revisions.live')}</span>}
              </div>
              <div className="revision-list__comment">{r.comment || <span className="muted">{t('revisions.noComment')}</span>}</div>
              <div className="muted revision-list__meta">
                {r.author?.login ?? '—'} · {formatTime(r.published_at, lang)}
              </div>
              <div className="revision-list__actions">
                <button
                  type="button"
                  aria-pressed={comparing === r.number}
                  onClick={() => onCompare(comparing === r.number ? null : r.number)}
                >
                  {t('revisions.compare')}
                </button>
                {!readOnly && (
                  <button type="button" onClick={() => setReverting(reverting === r.number ? null : r.number)}>
                    {t('revisions.revert')}
                  </button>
                )}
              </div>
              {reverting === r.number && (
                <form
                  className="revert-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void submitRevert(r.number);
                  }}
                >
                  <label htmlFor={`revert-comment-${r.number}`}>{t('revisions.revertComment')}</label>
                  <input
                    id={`revert-comment-${r.number}`}
                    value={comment}
                    maxLength={500}
                    placeholder={t('revisions.revertPlaceholder', { n: r.number })}
                    onChange={(e) => setComment(e.target.value)}
                  />
                  <button type="submit" className="primary" disabled={busy}>
                    {t('revisions.revertConfirm', { n: r.number })}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function formatTime(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang);
}
