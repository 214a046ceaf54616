// List state of a collection page and the API's query string for it: `limit`, `offset`,
// `search` and `order` (a field name, `-` in front for descending).

export interface ListQuery {
  search: string;
  /** e.g. "number" or "-name"; null: the server's default order. */
  order: string | null;
  limit: number;
  offset: number;
}

export const PAGE_SIZES = [10, 25, 50, 100] as const;

export function initialQuery(order: string | null = null, limit = 25): ListQuery {
  return { search: '', order, limit, offset: 0 };
}

/** `limit=25&offset=0&search=…&order=-name`: empty search and no order are left out. */
export function buildListQuery(query: ListQuery): string {
  const params = new URLSearchParams();
  params.set('limit', String(Math.max(1, Math.min(500, Math.trunc(query.limit) || 25))));
  params.set('offset', String(Math.max(0, Math.trunc(query.offset) || 0)));
  const search = query.search.trim();
  if (search) params.set('search', search.slice(0, 100));
  if (query.order) params.set('order', query.order);
  return params.toString();
}

export type SortState = 'ascending' | 'descending' | 'none';

/** How `field` is sorted under `order` (for aria-sort and the arrow). */
export function sortState(order: string | null, field: string): SortState {
  if (order === field || order === `+${field}`) return 'ascending';
  if (order === `-${field}`) return 'descending';
  return 'none';
}

/** Clicking a column: unsorted or another column → ascending; ascending → descending; descending → ascending. */
export function toggleOrder(order: string | null, field: string): string {
  return sortState(order, field) === 'ascending' ? `-${field}` : field;
}

/** A new search starts at the first page. */
export function withSearch(query: ListQuery, search: string): ListQuery {
  return { ...query, search, offset: 0 };
}

export function withOrder(query: ListQuery, field: string): ListQuery {
  return { ...query, order: toggleOrder(query.order, field), offset: 0 };
}

export function withLimit(query: ListQuery, limit: number): ListQuery {
  return { ...query, limit, offset: 0 };
}

/** Go to page `page` (1-based). */
export function withPage(query: ListQuery, page: number): ListQuery {
  return { ...query, offset: Math.max(0, (Math.trunc(page) - 1) * query.limit) };
}

export interface PageInfo {
  page: number; // 1-based
  pages: number; // at least 1
  from: number; // 1-based index of the first row shown; 0 when there is none
  to: number;
  hasPrev: boolean;
  hasNext: boolean;
}

export function pageInfo(total: number, query: Pick<ListQuery, 'limit' | 'offset'>, shown?: number): PageInfo {
  const limit = Math.max(1, query.limit);
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.floor(query.offset / limit) + 1;
  const rows = shown ?? Math.max(0, Math.min(limit, total - query.offset));
  return {
    page,
    pages,
    from: rows > 0 ? query.offset + 1 : 0,
    to: query.offset + rows,
    hasPrev: query.offset > 0,
    hasNext: query.offset + limit < total,
  };
}

/**
 * After a delete (or when the list shrank under us) the page may be past the end:
 * move to the last page that has rows.
 */
export function clampQuery(query: ListQuery, total: number): ListQuery {
  if (total <= 0) return query.offset === 0 ? query : { ...query, offset: 0 };
  if (query.offset < total) return query;
  const lastPage = Math.ceil(total / query.limit);
  return { ...query, offset: (lastPage - 1) * query.limit };
}
