// Active calls and extension presence, live from the tenant's event stream (F-CAL-4,
// F-CAL-8); hang up and listen for those allowed to.
import { useEffect, useMemo, useState } from 'react';
import { toProblem, type ApiClient, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CallsApi, mayControlCalls } from '../../calls/callsApi';
import { activeList } from '../../calls/liveCalls';
import { formatDuration } from '../../calls/protocol';
import type { ActiveCall } from '../../calls/types';
import { useLiveCalls } from '../../calls/useLiveCalls';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import type { User } from '../../session';
import { LiveStatus } from './LiveStatus';

function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function ActiveCallsPage({ client, user, tenantId }: { client: ApiClient; user: User; tenantId: string }) {
  const { t } = useI18n();
  const api = useMemo(() => new CallsApi(client, tenantId), [client, tenantId]);
  const { live, connection, retryIn } = useLiveCalls(client, tenantId);
  const calls = activeList(live);
  const control = mayControlCalls(user.role);
  const now = useNow(1000);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [listening, setListening] = useState<string | null>(null);
  const [listenFrom, setListenFrom] = useState('');

  const act = async (action: () => Promise<unknown>, done: string) => {
    setProblem(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
    } catch (error) {
      setProblem(toProblem(error));
    }
  };

  const stateText = (s: string) => (t(`callState.${s}` as MessageKey) === `callState.${s}` ? s : t(`callState.${s}` as MessageKey));

  return (
    <main className="calls active-calls" data-testid="active-calls">
      <h1>
        {t('active.title')} <LiveStatus connection={connection} retryIn={retryIn} />
      </h1>
      {problem && <ProblemAlert problem={problem} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {live.ready && calls.length === 0 && <p className="muted">{t('active.empty')}</p>}
      {calls.length > 0 && (
        <table className="table" data-testid="active-table">
          <thead>
            <tr>
              <th>{t('active.since')}</th>
              <th>{t('calls.caller')}</th>
              <th>{t('calls.called')}</th>
              <th>{t('active.state')}</th>
              <th>{t('calls.answeredBy')}</th>
              <th>{t('active.node')}</th>
              {control && <th />}
            </tr>
          </thead>
          <tbody>
            {calls.map((c: ActiveCall) => (
              <tr key={c.id} data-testid="active-row" data-call={c.id} data-state={c.state}>
                <td className="mono">{c.started_at ? formatDuration((now - Date.parse(c.started_at)) / 1000) : ''}</td>
                <td className="mono">
                  <a href={href({ name: 'calls', tenantId, callId: c.id })}>{c.caller}</a>
                </td>
                <td className="mono">{c.did ?? c.called}</td>
                <td>{stateText(c.state)}</td>
                <td className="mono">{c.answered_by ?? ''}</td>
                <td className="mono">{c.scheme_node ?? ''}</td>
                {control && (
                  <td className="actions">
                    <button
                      type="button"
                      onClick={() => window.confirm(t('active.confirmHangup')) && void act(() => api.hangup(c.id), t('active.hungUp'))}
                    >
                      {t('active.hangup')}
                    </button>{' '}
                    {listening === c.id ? (
                      <span className="listen-form">
                        <select aria-label={t('active.listenFrom')} value={listenFrom} onChange={(e) => setListenFrom(e.target.value)}>
                          <option value="">{t('active.listenFrom')}</option>
                          {live.presence.map((p) => (
                            <option key={p.extension_id} value={p.extension_id}>
                              {p.number} {p.name}
                            </option>
                          ))}
                        </select>{' '}
                        <button
                          type="button"
                          disabled={!listenFrom}
                          onClick={() => void act(() => api.listen(c.id, listenFrom), t('active.listening')).then(() => setListening(null))}
                        >
                          {t('active.listenStart')}
                        </button>
                      </span>
                    ) : (
                      <button type="button" onClick={() => setListening(c.id)}>
                        {t('active.listen')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('presence.title')}</h2>
      {live.ready && live.presence.length === 0 && <p className="muted">{t('presence.empty')}</p>}
      <ul className="presence" data-testid="presence">
        {live.presence.map((p) => (
          <li key={p.extension_id} className={`presence__item presence--${p.state}`} data-number={p.number} data-state={p.state}>
            <span className="mono">{p.number}</span> {p.name}{' '}
            <span className="badge">{t(`presence.${p.state}` as MessageKey)}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}
