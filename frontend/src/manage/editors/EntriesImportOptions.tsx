// Append to or replace a classifier's entries on import.
import { useState, type ReactNode } from 'react';
import { useI18n } from '../../i18n';

export type ImportMode = 'append' | 'replace';

export function entriesImportUrl(itemPath: string, mode: ImportMode): string {
  return `${itemPath}/entries?mode=${mode}`;
}

export function EntriesImportOptions({ children }: { children: (mode: ImportMode, options: ReactNode) => ReactNode }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<ImportMode>('append');
  const options = (
    <span role="radiogroup" aria-label={t('classifier.importMode')} className="inline">
      {(['append', 'replace'] as const).map((m) => (
        <label key={m} className="check">
          <input type="radio" name="entries-import-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
          <span>{t(`classifier.mode.${m}`)}</span>
        </label>
      ))}
    </span>
  );
  return <>{children(mode, options)}</>;
}
