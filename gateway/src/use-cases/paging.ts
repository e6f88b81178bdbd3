/**
 * Cursor paging over the chaincode's bookmark paging. The REST cursor is the chaincode bookmark,
 * base64url-encoded so that it is opaque to clients and safe in a query string.
 */

export const encodeCursor = (bookmark: string): string | undefined =>
  bookmark === '' ? undefined : Buffer.from(bookmark, 'utf8').toString('base64url');

export const decodeCursor = (cursor: string | undefined): string =>
  cursor === undefined || cursor === '' ? '' : Buffer.from(cursor, 'base64url').toString('utf8');

/** Reads every page of a bookmark-paged query. */
export async function pageAll<T>(
  fetchPage: (bookmark: string) => Promise<{ items: T[]; bookmark: string }>,
  maxPages = 10_000,
): Promise<T[]> {
  const all: T[] = [];
  let bookmark = '';
  for (let page = 0; page < maxPages; page += 1) {
    const result = await fetchPage(bookmark);
    all.push(...result.items);
    if (result.bookmark === '' || result.items.length === 0 || result.bookmark === bookmark) return all;
    bookmark = result.bookmark;
  }
  return all;
}
