import type { ProductCollector } from './collector.ts';

/**
 * Records the first `cap` errors of one kind in full, then only counts the rest and, on finish(), records one
 * summary error naming how many more there were and on which lines: the rows are all refused, but a file with
 * thousands of the same mistake does not flood the problems list.
 */
export class CappedErrors {
  private unlisted = 0;
  private firstUnlisted = 0;
  private lastUnlisted = 0;
  private listed = 0;

  constructor(
    private readonly out: ProductCollector,
    private readonly cap: number,
    /** Ends the summary: `and N more rows on lines A to B refused for ${what}`. */
    private readonly what: string,
  ) {}

  add(line: number, message: string): void {
    if (this.listed < this.cap) {
      this.listed++;
      this.out.error(line, message);
      return;
    }
    if (this.unlisted === 0) this.firstUnlisted = line;
    this.lastUnlisted = line;
    this.unlisted++;
  }

  finish(): void {
    if (this.unlisted === 0) return;
    const where =
      this.unlisted === 1
        ? `on line ${this.firstUnlisted}`
        : `on lines ${this.firstUnlisted} to ${this.lastUnlisted}`;
    const rows = this.unlisted === 1 ? 'row' : 'rows';
    this.out.error(
      this.firstUnlisted,
      `and ${this.unlisted} more ${rows} ${where} refused for ${this.what}, not listed one by one ` +
        `(only the first ${this.cap} are); the other rows were read`,
    );
    this.unlisted = 0;
  }
}
