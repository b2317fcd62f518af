/** One stored blob as gc sees it. */
export interface BlobEntry {
  key: string;
  size: number;
  /** Last write, in ms since the epoch: a blob written again after it was listed is not deleted. */
  modifiedMs: number;
}

/** What a removal did. */
export interface RemoveResult {
  deleted: BlobEntry[];
  /** Written again since they were listed (a writer uses them): kept. */
  changed: BlobEntry[];
}

/**
 * The blob store as garbage collection needs it: keys with sizes and times, and deletion that spares a blob
 * written again since it was listed.
 *
 * @example
 * const entries = await inventory.list('masked/');
 * const { deleted } = await inventory.remove(entries.filter(unreferenced));
 */
export interface BlobInventory {
  /** Every blob under `prefix`, sorted by key. */
  list(prefix: string): Promise<BlobEntry[]>;
  remove(entries: BlobEntry[]): Promise<RemoveResult>;
}
