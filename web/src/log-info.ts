/** What the page says of the public issuance log: the states, and which of them block green. */
export type LogInfo =
  /** No log to check against, or a card from before the log: nothing to say. */
  | { state: 'none' }
  | { state: 'checking' }
  /** Proved now (`live`) or earlier on this device. */
  | { state: 'recorded'; index: number; size: number; live: boolean; at: number }
  /** Could not check now (offline, or the log could not be reached); what was seen last. */
  | { state: 'unchecked'; lastSize?: number; lastAt?: number }
  /** The card is not where it says in the log, or is missing an entry it must have. */
  | { state: 'missing' }
  /** The log showed this device a history inconsistent with the one it saw before. */
  | { state: 'split-view' };

/** Whether a log finding keeps the page from showing green. */
export function logBlocksGreen(log: LogInfo | undefined): boolean {
  return log?.state === 'missing' || log?.state === 'split-view';
}
