/** Minimum passphrase length accepted for sealing keys (a module of its own: cheap to import). */
export const MIN_PASSPHRASE_LENGTH = 12;
