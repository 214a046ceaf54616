// Media (F-CMP-5): upload with a progress bar (XMLHttpRequest), a preview of the chosen file
// before it is sent, and the stored audio (what callers hear, and the original).
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { fieldErrors, toProblem, type ApiClient, type Problem } from '../../api';
import { useI18n } from '../../i18n';
import { mapFieldErrors } from '../formErrors';
import type { Ctx, Item } from '../types';
import { upload, type Upload, type UploadProgress } from '../upload';
import { AuthAudio } from './AuthAudio';

export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;
export const MEDIA_ACCEPT = 'audio/*,.mp3,.wav,.ogg,.oga,.opus,.m4a,.mp4';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The name a file gets when none is typed: its name without the extension. */
export function nameFromFile(fileName: string): string {
  return fileName.replace(/\.[^.]+$/, '').slice(0, 100);
}

export function MediaUpload({ client, path, onCreated }: { client: ApiClient; ctx: Ctx; path: string; onCreated: (item: Item) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [mohClass, setMohClass] = useState('');
  const [description, setDescription] = useState('');
  const [preview, setPreview] = useState<string | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const current = useRef<Upload<Item> | null>(null);

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  useEffect(() => () => current.current?.abort(), []);

  const errors = problem ? mapFieldErrors(fieldErrors(problem), ['file', 'name', 'moh_class', 'description']) : null;
  const tooLarge = file !== null && file.size > MAX_MEDIA_BYTES;
  const busy = progress !== null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setProblem(null);
    const form = new FormData();
    form.append('file', file, file.name);
    form.append('name', name.trim() || nameFromFile(file.name));
    if (mohClass.trim()) form.append('moh_class', mohClass.trim());
    if (description.trim()) form.append('description', description.trim());
    setProgress({ loaded: 0, total: file.size, percent: 0 });
    const job = upload<Item>({ url: path, body: form, token: client.token(), onProgress: setProgress });
    current.current = job;
    try {
      const item = await job.promise;
      onCreated(item);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      current.current = null;
      setProgress(null);
    }
  }

  const err = (f: string) => errors?.byField[f];
  return (
    <form className="manage-form__grid" onSubmit={(e) => void submit(e)} noValidate data-testid="media-upload">
      {problem && (
        <div className="alert field--wide" role="alert">
          <strong>{t('media.notUploaded')}</strong> {problem.detail}
        </div>
      )}
      <div className="field field--wide">
        <label htmlFor={`${id}-file`}>{t('media.file')}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept={MEDIA_ACCEPT}
          disabled={busy}
          aria-invalid={err('file') || tooLarge ? true : undefined}
          aria-describedby={`${id}-file-hint`}
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            setFile(f);
            setProblem(null);
          }}
        />
        <div className="field__hint" id={`${id}-file-hint`}>
          {t('media.fileHint')}
          {file && ` · ${file.name}, ${formatBytes(file.size)}`}
        </div>
        {tooLarge && <div className="field__error">{t('media.tooLarge')}</div>}
        {err('file') && <div className="field__error">{err('file')}</div>}
      </div>
      {preview && (
        <div className="field field--wide">
          <div className="field__label">{t('media.preview')}</div>
          <audio controls src={preview} aria-label={t('media.preview')} data-testid="media-local-preview" />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('f.name')}</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={100}
          placeholder={file ? nameFromFile(file.name) : ''}
          disabled={busy}
          aria-invalid={err('name') ? true : undefined}
          onChange={(e) => setName(e.target.value)}
        />
        {err('name') && <div className="field__error">{err('name')}</div>}
      </div>
      <div className="field">
        <label htmlFor={`${id}-moh`}>{t('f.moh_class')}</label>
        <input
          id={`${id}-moh`}
          value={mohClass}
          maxLength={32}
          placeholder="default"
          disabled={busy}
          aria-invalid={err('moh_class') ? true : undefined}
          aria-describedby={`${id}-moh-hint`}
          onChange={(e) => setMohClass(e.target.value)}
        />
        <div className="field__hint" id={`${id}-moh-hint`}>
          {t('hint.moh_class')}
        </div>
        {err('moh_class') && <div className="field__error">{err('moh_class')}</div>}
      </div>
      <div className="field field--wide">
        <label htmlFor={`${id}-description`}>{t('f.description')}</label>
        <textarea id={`${id}-description`} rows={2} value={description} maxLength={500} disabled={busy} onChange={(e) => setDescription(e.target.value)} />
      </div>
      {progress && (
        <div className="field field--wide upload-progress">
          <label htmlFor={`${id}-progress`}>
            {progress.percent === null ? t('media.uploading') : t('media.uploadingPercent', { percent: progress.percent })}
          </label>
          <progress id={`${id}-progress`} max={100} value={progress.percent ?? undefined} data-testid="upload-progress" />
        </div>
      )}
      <div className="manage-form__actions">
        <button type="submit" className="primary" disabled={!file || tooLarge || busy}>
          {busy ? t('media.uploading') : t('media.upload')}
        </button>
        {busy && (
          <button type="button" onClick={() => current.current?.abort()}>
            {t('media.cancelUpload')}
          </button>
        )}
      </div>
    </form>
  );
}

/** The stored audio of a media object, and what the server found in the file. */
export function MediaPanel({ client, item, itemPath }: { client: ApiClient; item: Item; itemPath: string }) {
  const { t } = useI18n();
  const facts: [string, string][] = [
    [t('media.filename'), String(item.filename ?? '—')],
    [t('media.duration'), formatDuration(item.duration_ms)],
    [t('media.format'), `${String(item.format ?? '')} ${item.codec ? `(${String(item.codec)})` : ''}`.trim() || '—'],
    [t('media.size'), typeof item.size === 'number' ? formatBytes(item.size) : '—'],
    [t('media.sampleRate'), item.sample_rate ? `${String(item.sample_rate)} Hz, ${String(item.channels ?? '')} ch` : '—'],
  ];
  return (
    <section className="panel" aria-labelledby="media-audio-title" data-testid="media-panel">
      <h2 id="media-audio-title">{t('media.listen')}</h2>
      <dl className="tenant-facts">
        {facts.map(([k, v]) => (
          <div key={k} className="contents">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="audio-row">
        <span>{t('media.converted')}</span>
        <AuthAudio client={client} src={`${itemPath}/audio`} label={t('media.converted')} testId="media-audio" />
      </div>
      <div className="audio-row">
        <span>{t('media.original')}</span>
        <AuthAudio client={client} src={`${itemPath}/audio?original=true`} label={t('media.original')} preload="none" />
      </div>
    </section>
  );
}
