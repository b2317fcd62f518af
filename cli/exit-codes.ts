/**
 * Exit code of a command refused because another process holds the data dir (an ingestion, gc) or because gc
 * found the index damaged: the same command works once that is over, unlike bad input (2).
 */
export const REFUSED_EXIT = 7;
