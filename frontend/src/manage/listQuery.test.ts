import { describe, expect, it } from 'vitest';
import {
  buildListQuery,
  clampQuery,
  initialQuery,
  pageInfo,
  sortState,
  toggleOrder,
  withLimit,
  withOrder,
  withPage,
  withSearch,
} from './listQuery';

describe('list queries', () => {
  it('builds the API query string: limit and offset always, search and order when set', () => {
    expect(buildListQuery(initialQuery())).toBe('limit=25&offset=0');
    expect(buildListQuery({ search: '  sales ', order: '-name', limit: 10, offset: 20 })).toBe('limit=10&offset=20&search=sales&order=-name');
    expect(buildListQuery({ search: 'a&b=c', order: 'number', limit: 25, offset: 0 })).toBe('limit=25&offset=0&search=a%26b%3Dc&order=number');
    // Out-of-range values are brought into what the API accepts (limit 1–500, offset ≥ 0, search ≤ 100).
    expect(buildListQuery({ search: 'x'.repeat(150), order: null, limit: 9999, offset: -5 })).toBe(`limit=500&offset=0&search=${'x'.repeat(100)}`);
  });

  it('toggles a column: ascending, then descending, then ascending again; another column starts ascending', () => {
    expect(toggleOrder(null, 'name')).toBe('name');
    expect(toggleOrder('name', 'name')).toBe('-name');
    expect(toggleOrder('-name', 'name')).toBe('name');
    expect(toggleOrder('-name', 'number')).toBe('number');
    expect(sortState('name', 'name')).toBe('ascending');
    expect(sortState('+name', 'name')).toBe('ascending');
    expect(sortState('-name', 'name')).toBe('descending');
    expect(sortState('-name', 'number')).toBe('none');
    expect(sortState(null, 'number')).toBe('none');
  });

  it('goes back to the first page on a new search, order or page size', () => {
    const q = { search: '', order: 'number', limit: 25, offset: 50 };
    expect(withSearch(q, '20')).toEqual({ search: '20', order: 'number', limit: 25, offset: 0 });
    expect(withOrder(q, 'number')).toEqual({ search: '', order: '-number', limit: 25, offset: 0 });
    expect(withLimit(q, 100)).toEqual({ search: '', order: 'number', limit: 100, offset: 0 });
    expect(withPage(q, 3)).toEqual({ ...q, offset: 50 });
    expect(withPage(q, 1).offset).toBe(0);
    expect(withPage(q, 0).offset).toBe(0);
  });

  it('describes the page: rows shown, page of pages, previous and next', () => {
    expect(pageInfo(0, { limit: 25, offset: 0 })).toEqual({ page: 1, pages: 1, from: 0, to: 0, hasPrev: false, hasNext: false });
    expect(pageInfo(60, { limit: 25, offset: 0 })).toEqual({ page: 1, pages: 3, from: 1, to: 25, hasPrev: false, hasNext: true });
    expect(pageInfo(60, { limit: 25, offset: 25 })).toEqual({ page: 2, pages: 3, from: 26, to: 50, hasPrev: true, hasNext: true });
    expect(pageInfo(60, { limit: 25, offset: 50 })).toEqual({ page: 3, pages: 3, from: 51, to: 60, hasPrev: true, hasNext: false });
    // The rows actually received win over the arithmetic (the list changed meanwhile).
    expect(pageInfo(60, { limit: 25, offset: 50 }, 8).to).toBe(58);
  });

  it('moves back to the last page with rows when the list shrank', () => {
    const q = { search: '', order: null, limit: 10, offset: 30 };
    expect(clampQuery(q, 31)).toBe(q);
    expect(clampQuery(q, 30)).toEqual({ ...q, offset: 20 });
    expect(clampQuery(q, 5)).toEqual({ ...q, offset: 0 });
    expect(clampQuery(q, 0)).toEqual({ ...q, offset: 0 });
    const first = { ...q, offset: 0 };
    expect(clampQuery(first, 0)).toBe(first);
  });
});
