// A voicemail box's messages (newest first) with a player for each.
import type { ApiClient } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { useApi } from '../../useApi';
import { formatDuration } from './Media';
import { AuthAudio } from './AuthAudio';

interface VoicemailMessage {
  id: string;
  folder: string;
  caller_id: string;
  caller_number: string;
  caller_name: string;
  received_at: string;
  duration: number;
  audio: boolean;
}

export function VoicemailMessages({ client, itemPath }: { client: ApiClient; itemPath: string }) {
  const { t } = useI18n();
  const list = useApi(() => client.request<{ total: number; items: VoicemailMessage[] }>('GET', `${itemPath}/messages`), `${itemPath}/messages`);
  const items = list.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby="vm-messages-title" data-testid="voicemail-messages">
      <h2 id="vm-messages-title">
        {t('voicemail.messages')}
        {list.data && <span className="count">{list.data.total}</span>}
        <button type="button" className="link-button" onClick={list.reload}>
          {t('manage.refresh')}
        </button>
      </h2>
      {list.loading && <p className="muted">{t('common.loading')}</p>}
      {list.problem && <ProblemAlert problem={list.problem} onRetry={list.reload} />}
      {list.data && items.length === 0 && <p className="muted">{t('voicemail.noMessages')}</p>}
      {items.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">{t('voicemail.received')}</th>
              <th scope="col">{t('voicemail.caller')}</th>
              <th scope="col">{t('voicemail.duration')}</th>
              <th scope="col">{t('voicemail.folder')}</th>
              <th scope="col">{t('voicemail.listen')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id}>
                <td>{new Date(m.received_at).toLocaleString()}</td>
                <td>
                  <span className="mono">{m.caller_number || '—'}</span> {m.caller_name}
                </td>
                <td>{formatDuration(m.duration * 1000)}</td>
                <td>{m.folder}</td>
                <td>
                  {m.audio ? (
                    <AuthAudio client={client} src={`${itemPath}/messages/${encodeURIComponent(m.id)}`} label={t('voicemail.listen')} preload="none" />
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
