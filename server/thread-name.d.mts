/** Names this thread (Linux keeps 15 bytes). Elsewhere, or if refused, nothing happens. */
export function nameThisThread(name: string): void;
