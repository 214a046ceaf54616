// The API client: JSON over fetch, `Authorization: Bearer <token>` on every call,
// and RFC 9457 problem+json errors turned into an ApiError with per-field messages.
import { session as defaultSession, type SessionStore, type User } from './session';

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  status: number;
  title: string;
  detail: string;
  fields: string[];
  errors: FieldError[];
  [extension: string]: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Normalise an error response body (problem+json or anything else) into a Problem. */
export function parseProblem(status: number, body: unknown, statusText = ''): Problem {
  const obj = isRecord(body) ? body : {};
  const title = text(obj.title) || text(statusText) || `HTTP ${status}`;
  const raw = typeof body === 'string' ? body.trim() : '';
  const plain = raw && !raw.startsWith('<') ? raw.slice(0, 300) : ''; // never show an HTML error page
  const detail = text(obj.detail) || plain || title;

  const errors: FieldError[] = [];
  if (Array.isArray(obj.errors)) {
    for (const item of obj.errors) {
      if (!isRecord(item)) continue;
      const field = text(item.field);
      if (field) errors.push({ field, message: text(item.message) });
    }
  }
  const fields = Array.isArray(obj.fields) ? obj.fields.map(text).filter(Boolean) : [];
  for (const field of fields) {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message: '' });
  }
  return {
    ...obj,
    type: text(obj.type) || 'about:blank',
    status: typeof obj.status === 'number' ? obj.status : status,
    title,
    detail,
    fields: [...new Set([...fields, ...errors.map((e) => e.field)])],
    errors,
  };
}

/**
 * One message per field, ready to show next to it. The server often repeats the
 * field name ("login: must not be empty"); that prefix is dropped. A field named
 * without its own message gets the problem's detail.
 */
export function fieldErrors(problem: Problem): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { field, message } of problem.errors) {
    let msg = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
    msg = msg.trim() || problem.detail;
    out[field] = out[field] && out[field] !== msg ? `${out[field]}; ${msg}` : msg;
  }
  return out;
}

export class ApiError extends Error {
  readonly problem: Problem;
  readonly fieldErrors: Record<string, string>;

  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.problem = problem;
    this.fieldErrors = fieldErrors(problem);
  }

  get status(): number {
    return this.problem.status;
  }
}

/** The problem of any thrown value (ApiError, network failure, bug). */
export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  const detail = error instanceof Error ? error.message : String(error);
  return parseProblem(0, { title: 'Error', detail });
}

export interface Page<T> {
  total: number;
  items: T[];
  limit?: number;
  offset?: number;
}

export interface Tenant {
  id: string;
  name: string;
  code: string;
  timezone: string;
  version?: number;
  [key: string]: unknown;
}

export interface Device {
  type: string;
  id?: string | null;
  username?: string | null;
  password?: string | null;
  number?: string | null;
  enabled?: boolean;
  [key: string]: unknown;
}

export interface Extension {
  id: string;
  number: string;
  name: string;
  devices: Device[];
  [key: string]: unknown;
}

export interface LoginResult {
  token: string;
  user: User;
}

export interface ApiClientOptions {
  session?: SessionStore;
  fetch?: typeof fetch;
  baseUrl?: string;
}

async function readBody(response: Response): Promise<unknown> {
  const raw = await response.text();
  if (!raw) return undefined;
  if (/\bjson\b/i.test(response.headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

export class ApiClient {
  private readonly session: SessionStore;
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;

  constructor(options: ApiClientOptions = {}) {
    this.session = options.session ?? defaultSession;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.baseUrl = options.baseUrl ?? '';
  }

  /** The bearer token of the session (for requests made without fetch: uploads with progress). */
  token(): string | null {
    return this.session.get()?.token ?? null;
  }

  async request<T>(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<T> {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers = body === undefined ? extraHeaders : { 'Content-Type': 'application/json', ...extraHeaders };
    return (await this.exchange<T>(method, path, raw, headers)).body;
  }

  /** A binary answer (audio) fetched with the bearer token. */
  async blob(path: string): Promise<Blob> {
    const token = this.session.get()?.token;
    const response = await this.fetchImpl(this.baseUrl + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new ApiError(parseProblem(response.status, await readBody(response), response.statusText));
    return response.blob();
  }

  /** A download (report export): its bytes and the response headers (Content-Disposition names the file). */
  async file(path: string): Promise<{ blob: Blob; headers: Headers }> {
    const token = this.session.get()?.token;
    const response = await this.fetchImpl(this.baseUrl + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new ApiError(parseProblem(response.status, await readBody(response), response.statusText));
    return { blob: await response.blob(), headers: response.headers };
  }

  /** Send a body as is (a file to import) with its own Content-Type; answers the body and the response headers. */
  send<T>(method: string, path: string, body: BodyInit, contentType: string, extraHeaders?: Record<string, string>) {
    return this.exchange<T>(method, path, body, { 'Content-Type': contentType, ...extraHeaders });
  }

  private async exchange<T>(
    method: string,
    path: string,
    body: BodyInit | undefined,
    extraHeaders?: Record<string, string>,
  ): Promise<{ body: T; headers: Headers }> {
    const token = this.session.get()?.token;
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...extraHeaders };
    if (token) headers.Authorization = `Bearer ${token}`;

    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { method, headers, body });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ApiError(parseProblem(0, { title: 'Network error', detail: `the server is unreachable (${detail})` }));
    }
    const payload = await readBody(response);
    if (!response.ok) {
      // A token the server no longer accepts ends the session; the app shows the login page.
      if (response.status === 401 && token) this.session.clear('expired');
      throw new ApiError(parseProblem(response.status, payload, response.statusText));
    }
    return { body: payload as T, headers: response.headers };
  }

  async login(login: string, password: string): Promise<User> {
    const result = await this.request<LoginResult>('POST', '/api/auth/login', { login, password });
    this.session.set({ token: result.token, user: result.user });
    return result.user;
  }

  async logout(): Promise<void> {
    try {
      if (this.session.get()) await this.request<void>('POST', '/api/auth/logout');
    } catch {
      /* the session ends locally whatever the server says */
    } finally {
      this.session.clear('logout');
    }
  }

  tenants(): Promise<Page<Tenant>> {
    return this.request('GET', '/api/tenants?limit=500&order=name');
  }

  tenant(id: string): Promise<Tenant> {
    return this.request('GET', `/api/tenants/${encodeURIComponent(id)}`);
  }

  extensions(tenantId: string): Promise<Page<Extension>> {
    return this.request('GET', `/api/tenants/${encodeURIComponent(tenantId)}/extensions?limit=500&order=number`);
  }
}

export const api = new ApiClient();
