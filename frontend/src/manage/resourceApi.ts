// CRUD on one collection of the API, with If-Match on every change.
import type { ApiClient, Page } from '../api';
import { buildListQuery, type ListQuery } from './listQuery';
import type { Item, Values } from './types';

export const ifMatch = (version: number): Record<string, string> => ({ 'If-Match': `"${version}"` });

export class ResourceApi {
  constructor(
    private readonly client: ApiClient,
    /** e.g. /api/tenants/<id>/extensions */
    readonly path: string,
  ) {}

  itemPath(id: string): string {
    return `${this.path}/${encodeURIComponent(id)}`;
  }

  list(query: ListQuery): Promise<Page<Item>> {
    return this.client.request('GET', `${this.path}?${buildListQuery(query)}`);
  }

  get(id: string): Promise<Item> {
    return this.client.request('GET', this.itemPath(id));
  }

  create(body: Values): Promise<Item> {
    return this.client.request('POST', this.path, body);
  }

  update(id: string, version: number, patch: Values): Promise<Item> {
    return this.client.request('PATCH', this.itemPath(id), patch, ifMatch(version));
  }

  remove(id: string, version: number): Promise<void> {
    return this.client.request('DELETE', this.itemPath(id), undefined, ifMatch(version));
  }
}

/**
 * POST a file's bytes as is (an import), with If-Match, to the endpoints that read the raw
 * body: the schedule calendar and the classifier entries. Answers the object and the number
 * of rows imported.
 */
export async function postFile(
  client: ApiClient,
  path: string,
  file: Blob,
  contentType: string,
  version: number,
): Promise<{ item: Item; rows: number | null }> {
  const { body, headers } = await client.send<Item>('POST', path, file, contentType, ifMatch(version));
  const rows = headers.get('X-Imported-Rows');
  return { item: body, rows: rows === null ? null : Number(rows) };
}

/** The content type to send a chosen file with (browsers leave .csv empty on some systems). */
export function fileContentType(file: { name: string; type: string }): string {
  const name = file.name.toLowerCase();
  if (name.endsWith('.xlsx')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.csv') || name.endsWith('.txt')) return 'text/csv';
  return file.type || 'text/csv';
}
