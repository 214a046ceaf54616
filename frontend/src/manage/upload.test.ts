import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { progressOf, upload, type UploadProgress } from './upload';

/** Just enough of XMLHttpRequest for upload(). */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  statusText = '';
  responseText = '';
  responseHeaders: Record<string, string> = {};
  aborted = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  respond(status: number, body: unknown, type = 'application/json') {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.responseHeaders['Content-Type'] = type;
    this.onload?.();
  }
}

describe('upload with progress', () => {
  it('computes the percentage when the size is known', () => {
    expect(progressOf(50, 200)).toEqual({ loaded: 50, total: 200, percent: 25 });
    expect(progressOf(50, 0)).toEqual({ loaded: 50, total: null, percent: null });
    expect(progressOf(50, 200, false)).toEqual({ loaded: 50, total: null, percent: null });
    expect(progressOf(300, 200).percent).toBe(100);
  });

  it('posts the form with the bearer token, reports progress and answers the created object', async () => {
    const xhr = new FakeXhr();
    const seen: UploadProgress[] = [];
    const form = new FormData();
    form.append('name', 'Hold music');
    const job = upload<{ id: string }>({ url: '/api/tenants/t1/media', body: form, token: 'tok', onProgress: (p) => seen.push(p), xhr: () => xhr as unknown as XMLHttpRequest });
    expect([xhr.method, xhr.url, xhr.headers.Authorization, xhr.body]).toEqual(['POST', '/api/tenants/t1/media', 'Bearer tok', form]);
    xhr.upload.onprogress?.({ loaded: 512, total: 1024, lengthComputable: true });
    xhr.respond(201, { id: 'm1' });
    await expect(job.promise).resolves.toEqual({ id: 'm1' });
    expect(seen.map((p) => p.percent)).toEqual([50, 100]);
  });

  it('turns a problem+json refusal into an ApiError naming the field', async () => {
    const xhr = new FakeXhr();
    const job = upload({ url: '/u', body: new Blob(['x']), xhr: () => xhr as unknown as XMLHttpRequest });
    xhr.respond(
      422,
      { title: 'Invalid input', detail: 'file: not an audio file', fields: ['file'], errors: [{ field: 'file', message: 'file: not an audio file' }] },
      'application/problem+json',
    );
    const error = await job.promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).fieldErrors).toEqual({ file: 'not an audio file' });
    expect(xhr.headers.Authorization).toBeUndefined();
  });

  it('can be cancelled', async () => {
    const xhr = new FakeXhr();
    const job = upload({ url: '/u', body: new Blob(['x']), xhr: () => xhr as unknown as XMLHttpRequest });
    job.abort();
    expect(xhr.aborted).toBe(true);
    await expect(job.promise).rejects.toMatchObject({ problem: { title: 'Cancelled' } });
  });

  it('explains a 413 without a body', async () => {
    const xhr = new FakeXhr();
    const job = upload({ url: '/u', body: new Blob(['x']), xhr: () => xhr as unknown as XMLHttpRequest });
    xhr.status = 413;
    xhr.onload?.();
    await expect(job.promise).rejects.toMatchObject({ problem: { status: 413, title: 'Too large' } });
  });
});
