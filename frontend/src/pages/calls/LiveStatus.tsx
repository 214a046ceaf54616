// The state of the live event stream, as a small chip.
import { useI18n } from '../../i18n';
import type { ConnectionState } from '../../calls/sse';

export function LiveStatus({ connection, retryIn }: { connection: ConnectionState; retryIn: number | null }) {
  const { t } = useI18n();
  const text =
    connection === 'reconnecting' && retryIn !== null
      ? t('live.reconnectingIn', { seconds: Math.ceil(retryIn / 1000) })
      : t(`live.${connection}`);
  return (
    <span className={`live-status live-status--${connection}`} data-testid="live-status" data-state={connection} role="status">
      {text}
    </span>
  );
}
