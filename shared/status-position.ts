/**
 * Where a certificate's status lives: which list, and which position in it. Apart from the
 * status lists' verification (status-list.ts) so that the page's earliest script, which only
 * chooses the list to fetch, carries no verifier.
 */

/** Entries per status list (2^20): fixed, so a verifier finds the list from the index alone. */
export const STATUS_LIST_SIZE = 1 << 20;

/** Which list and position a status-list index falls in. */
export function listPosition(
  statusIndex: number,
  size: number,
): { list: number; position: number } {
  return { list: Math.floor(statusIndex / size), position: statusIndex % size };
}
