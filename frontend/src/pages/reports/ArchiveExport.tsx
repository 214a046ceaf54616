// "Make an archive of the period": starts the server's background export (calls with their
// recordings), polls its progress into a progress bar, then offers the download.
import { useEffect, useState } from 'react';
import { toProblem, type ApiClient, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { archiveDone, archiveFailed, archivePercent, type Archive } from './archive';
import { saveDownload } from './download';
import { presetRange, reportPath, type Period } from './query';

const POLL_MS = 1000;

export function ArchiveExport({ client, tenantId, period, pollMs = POLL_MS }: { client: ApiClient; tenantId: string; period: Period; pollMs?: number }) {
  const { t } = useI18n();
  const [archive, setArchive] = useState<Archive | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const running = archive !== null && !archiveDone(archive) && !archiveFailed(archive);

  useEffect(() => {
    if (!archive || !running) return;
    const timer = setTimeout(() => {
      client.request<Archive>('GET', reportPath(tenantId, `archives/${archive.id}`)).then(setArchive, (e: unknown) => setProblem(toProblem(e)));
    }, pollMs);
    return () => clearTimeout(timer);
  }, [archive, running, client, tenantId, pollMs]);

  async function start() {
    setBusy(true);
    setProblem(null);
    try {
      setArchive(await client.request<Archive>('POST', reportPath(tenantId, 'archives'), presetRange(period, new Date())));
    } catch (e) {
      setProblem(toProblem(e));
    } finally {
      setBusy(false);
    }
  }

  async function download(a: Archive) {
    setProblem(null);
    try {
      await saveDownload(client, reportPath(tenantId, `archives/${a.id}/download`), `calls-archive-${a.id}.zip`);
    } catch (e) {
      setProblem(toProblem(e));
    }
  }

  return (
    <section className="archive-export" data-testid="archive-export">
      <h3>{t('archive.title')}</h3>
      <button type="button" onClick={() => void start()} disabled={busy || running}>
        {t('archive.start')}
      </button>
      {archive && (
        <div className="archive-export__state">
          <progress max={100} value={archivePercent(archive)} aria-label={t('archive.state', { state: archive.state })} />
          <span className="muted">
            {t('archive.state', { state: archive.state })} · {archivePercent(archive)}%
          </span>
          {archiveDone(archive) && (
            <button type="button" className="link-button" onClick={() => void download(archive)}>
              {t('archive.download')}
            </button>
          )}
          {archiveFailed(archive) && <span className="field__error">{t('archive.failed')}</span>}
        </div>
      )}
      {problem && <ProblemAlert problem={problem} />}
    </section>
  );
}
