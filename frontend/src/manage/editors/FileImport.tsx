// Import a file into a saved object (a production calendar into a schedule, contacts into a
// classifier): all or nothing; a refused file lists the server's per-row messages.
import { useId, useState, type ReactNode } from 'react';
import { fieldErrors, toProblem, type ApiClient, type Problem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { isVersionConflict } from '../formErrors';
import { fileContentType, postFile } from '../resourceApi';
import type { Item } from '../types';

interface Props {
  client: ApiClient;
  title: string;
  hint: string;
  accept: string;
  /** The import URL for the options chosen (e.g. …/entries?mode=replace). */
  url: string;
  item: Item;
  onImported: (item: Item) => void;
  disabled: boolean;
  /** Options shown next to the file input (append / replace). */
  options?: ReactNode;
  testId?: string;
}

export function FileImport({ client, title, hint, accept, url, item, onImported, disabled, options, testId }: Props) {
  const { t } = useI18n();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [inputKey, setInputKey] = useState(0);

  async function run() {
    if (!file) return;
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const { item: updated, rows } = await postFile(client, url, file, fileContentType(file), item.version);
      setDone(t('import.done', { n: rows ?? 0 }));
      setFile(null);
      setInputKey((k) => k + 1);
      onImported(updated);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  }

  const rowMessages = problem ? Object.entries(fieldErrors(problem)).filter(([f]) => f.startsWith('rows[')) : [];
  return (
    <section className="panel" aria-labelledby={`${id}-title`} data-testid={testId}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="muted">{hint}</p>
      <div className="inline">
        <label htmlFor={`${id}-file`} className="visually-hidden">
          {t('import.file')}
        </label>
        <input key={inputKey} id={`${id}-file`} type="file" accept={accept} disabled={disabled || busy} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        {options}
        <button type="button" disabled={disabled || busy || !file} onClick={() => void run()}>
          {busy ? t('import.running') : t('import.run')}
        </button>
      </div>
      {done && (
        <div className="notice" role="status">
          {done}
        </div>
      )}
      {problem &&
        (isVersionConflict(problem) ? (
          <ProblemAlert problem={{ ...problem, detail: t('import.conflict') }} />
        ) : rowMessages.length > 0 ? (
          <ProblemAlert problem={{ ...problem, detail: t('import.refused', { n: rowMessages.length }) }} />
        ) : (
          <ProblemAlert problem={problem} />
        ))}
      {rowMessages.length > 0 && (
        <ul className="import-errors" data-testid="import-errors">
          {rowMessages.slice(0, 100).map(([field, message]) => (
            <li key={field}>
              <span className="mono">{field}</span>: {message}
            </li>
          ))}
          {rowMessages.length > 100 && <li>{t('import.more', { n: rowMessages.length - 100 })}</li>}
        </ul>
      )}
    </section>
  );
}
