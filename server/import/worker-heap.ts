/**
 * Heap limits of the importer's worker threads (the file reader, the signers). Their live data
 * is a few batches; V8's defaults would let each grow tens of megabytes of garbage before
 * collecting it, which counts against the import's memory budget (256 MB, flat in file size).
 */
export const WORKER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };
