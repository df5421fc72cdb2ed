/** Defaults of the configuration (config.ts), in a module light enough for a thread's first steps. */

/** The registry when HALLMARK_DB is not set. */
export const DEFAULT_DB = './data/hallmark.db';

/** The brand when HALLMARK_ISSUER is not set. */
export const DEFAULT_ISSUER = 'DEMO';
