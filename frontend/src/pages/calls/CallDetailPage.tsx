// One call with its protocol (F-CAL-3): a timeline of the scheme nodes, dial attempts,
// answers and hangups; a link opening each routing scheme with the call's path drawn.
import { useEffect, useMemo, useState } from 'react';
import { toProblem, type ApiClient, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { CallsApi } from '../../calls/callsApi';
import { formatDuration, formatOffset, schemeIdOfKey, schemeTraces, stepKind } from '../../calls/protocol';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import { useApi } from '../../useApi';
import { formatTime } from './CallHistoryPage';

export function CallDetailPage({ client, tenantId, callId }: { client: ApiClient; tenantId: string; callId: string }) {
  const { t, lang } = useI18n();
  const api = useMemo(() => new CallsApi(client, tenantId), [client, tenantId]);
  const call = useApi(() => api.call(callId), `call:${tenantId}:${callId}`);
  const traces = useMemo(() => schemeTraces(call.data?.protocol ?? []), [call.data]);
  const schemes = useApi(traces.length ? () => api.schemes() : null, `call-schemes:${tenantId}:${traces.length > 0}`);
  const c = call.data;
  // The recording needs the bearer token: fetched as a blob, played from an object URL.
  const [audio, setAudio] = useState<string | null>(null);
  const [audioProblem, setAudioProblem] = useState<Problem | null>(null);
  useEffect(() => () => void (audio && URL.revokeObjectURL(audio)), [audio]);
  const play = async (url: string) => {
    try {
      setAudio(URL.createObjectURL(await client.blob(url)));
    } catch (error) {
      setAudioProblem(toProblem(error));
    }
  };

  return (
    <main className="calls call-detail" data-testid="call-detail">
      <a className="editor__back" href={href({ name: 'calls', tenantId, callId: null })}>
        ← {t('call.back')}
      </a>
      {call.problem && <ProblemAlert problem={call.problem} onRetry={call.reload} />}
      {call.loading && !c && <p className="muted">{t('common.loading')}</p>}
      {c && (
        <>
          <h1>
            {t('call.title', { caller: c.caller ?? '?', called: c.did ?? c.called ?? '?' })}{' '}
            {c.active && <span className="badge badge--live">{t('call.live')}</span>}
          </h1>
          <dl className="facts">
            <dt>{t('calls.started')}</dt>
            <dd>{formatTime(c.started_at, lang)}</dd>
            {c.direction && (
              <>
                <dt>{t('calls.direction')}</dt>
                <dd>{t(`calls.direction.${c.direction}` as MessageKey)}</dd>
              </>
            )}
            {c.result && (
              <>
                <dt>{t('calls.result')}</dt>
                <dd data-testid="call-result">{t(`calls.result.${c.result}` as MessageKey)}</dd>
              </>
            )}
            {c.did && (
              <>
                <dt>{t('call.did')}</dt>
                <dd className="mono">{c.did}</dd>
              </>
            )}
            {c.answered_by && typeof c.answered_by === 'object' && (
              <>
                <dt>{t('calls.answeredBy')}</dt>
                <dd>{`${c.answered_by.number ?? ''} ${c.answered_by.name ?? ''}`.trim()}</dd>
              </>
            )}
            {c.duration !== undefined && (
              <>
                <dt>{t('calls.duration')}</dt>
                <dd className="mono">
                  {formatDuration(c.duration)} ({t('calls.talk')} {formatDuration(c.billable_seconds)})
                </dd>
              </>
            )}
            {c.recording && (
              <>
                <dt>{t('call.recording')}</dt>
                <dd>
                  {c.recording.expired ? (
                    t('call.recordingExpired')
                  ) : audio ? (
                    <audio controls src={audio} />
                  ) : (
                    <button type="button" onClick={() => void play(c.recording!.url)}>
                      ▶
                    </button>
                  )}
                  {audioProblem && <ProblemAlert problem={audioProblem} />}
                </dd>
              </>
            )}
          </dl>
          {traces.map((trace) => {
            const schemeId = schemeIdOfKey(trace.scheme, (schemes.data?.items ?? []).map((s) => s.id));
            if (!schemeId) return null;
            const name = schemes.data?.items.find((s) => s.id === schemeId)?.name ?? trace.scheme;
            return (
              <p key={`${trace.scheme}:${trace.revision}`}>
                {t('call.scheme')}: <strong>{name}</strong> —{' '}
                <a
                  data-testid="open-scheme-path"
                  href={href({ name: 'scheme', tenantId, schemeId, trace: { revision: trace.revision, nodes: trace.nodes } })}
                >
                  {trace.revision ? t('call.openScheme', { revision: trace.revision }) : t('call.openSchemeDraft')}
                </a>
              </p>
            );
          })}
          <h2>{t('call.protocol')}</h2>
          <ol className="timeline" data-testid="protocol">
            {c.protocol.map((step, i) => (
              <li key={i} className={`timeline__step timeline__step--${stepKind(step.step)}`} data-step={step.step}>
                <span className="timeline__offset mono">{formatOffset(step.offset)}</span>
                <span className="timeline__text">{step.text}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </main>
  );
}
