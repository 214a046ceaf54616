// File upload with progress (fetch cannot report upload progress): XMLHttpRequest with the
// bearer token; a problem+json answer becomes an ApiError like any other call's.
import { ApiError, parseProblem } from '../api';

export interface UploadProgress {
  loaded: number;
  total: number | null;
  /** 0–100, or null while the size is unknown. */
  percent: number | null;
}

export interface UploadOptions {
  url: string;
  body: FormData | Blob;
  token?: string | null;
  headers?: Record<string, string>;
  onProgress?: (progress: UploadProgress) => void;
  /** For tests: the XMLHttpRequest constructor. */
  xhr?: () => XMLHttpRequest;
}

export interface Upload<T> {
  promise: Promise<T>;
  abort: () => void;
}

export function progressOf(loaded: number, total: number | null | undefined, computable = true): UploadProgress {
  const known = computable && typeof total === 'number' && total > 0;
  return {
    loaded,
    total: known ? total : null,
    percent: known ? Math.min(100, Math.round((loaded / total) * 100)) : null,
  };
}

function parseBody(xhr: XMLHttpRequest): unknown {
  const raw = typeof xhr.responseText === 'string' ? xhr.responseText : '';
  if (!raw) return undefined;
  if (/\bjson\b/i.test(xhr.getResponseHeader('Content-Type') ?? '')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

export function upload<T>(options: UploadOptions): Upload<T> {
  const xhr = options.xhr ? options.xhr() : new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', options.url);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    if (options.token) xhr.setRequestHeader('Authorization', `Bearer ${options.token}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(progressOf(event.loaded, event.total, event.lengthComputable));
    xhr.onload = () => {
      const body = parseBody(xhr);
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress?.(progressOf(1, 1));
        resolve(body as T);
      } else {
        const fallback = xhr.status === 413 ? { title: 'Too large', detail: 'the file is larger than the server accepts' } : body;
        reject(new ApiError(parseProblem(xhr.status, body ?? fallback, xhr.statusText)));
      }
    };
    xhr.onerror = () =>
      reject(new ApiError(parseProblem(0, { title: 'Network error', detail: 'the upload did not reach the server' })));
    xhr.onabort = () => reject(new ApiError(parseProblem(0, { title: 'Cancelled', detail: 'the upload was cancelled' })));
    xhr.send(options.body);
  });
  return { promise, abort: () => xhr.abort() };
}
