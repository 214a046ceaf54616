// CSV / XLSX buttons of one report table: the same report and filters with format=….
import { useState } from 'react';
import { toProblem, type ApiClient, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { saveDownload } from './download';
import { EXPORT_FORMATS, exportPath, type ExportFormat, type Params } from './query';

interface Props {
  client: ApiClient;
  tenantId: string;
  report: string;
  params: Params;
  /** The file name when the server names none. */
  name: string;
  disabled?: boolean;
}

export function ExportButtons({ client, tenantId, report, params, name, disabled }: Props) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function run(format: ExportFormat) {
    setBusy(format);
    setProblem(null);
    try {
      await saveDownload(client, exportPath(tenantId, report, params, format), `${name}.${format}`);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="export-buttons" role="group" aria-label={t('reports.export')}>
      {EXPORT_FORMATS.map((format) => (
        <button key={format} type="button" disabled={disabled || busy !== null} onClick={() => void run(format)}>
          {busy === format ? t('reports.exporting', { format: format.toUpperCase() }) : t('reports.exportAs', { format: format.toUpperCase() })}
        </button>
      ))}
      {problem && <ProblemAlert problem={problem} />}
    </div>
  );
}
