import type { DescribeMapRunCommandOutput } from '@aws-sdk/client-sfn';
import type { CloudOutput } from './ports.ts';

/** One line of progress from the Map Run's item counts (items are catalog products). */
export function progressLine(executionStatus: string | undefined, map?: DescribeMapRunCommandOutput): string {
  const running = executionStatus === 'RUNNING';
  const c = map?.itemCounts;
  if (!map || !c) {
    return running
      ? 'preparing: reading the catalog, taking the lock (no Map Run yet)'
      : `execution ${executionStatus ?? 'ended'} before its Map Run started`;
  }
  const failed = (c.failed ?? 0) + (c.timedOut ?? 0) + (c.aborted ?? 0);
  const counts =
    `${c.succeeded ?? 0}/${c.total ?? 0} items succeeded, ${failed} failed, ` +
    `${c.running ?? 0} running, ${c.pending ?? 0} pending`;
  if (map.status === 'RUNNING') return `embedding: ${counts}`;
  return `Map Run ${map.status ?? 'ended'}: ${counts}${running ? '; aggregating' : ''}`;
}

/** Draws progress: one line redrawn in place on a terminal, otherwise a new line whenever it changes. */
export class ProgressPrinter {
  private last = '';
  private drawn = false;

  constructor(
    private readonly out: CloudOutput,
    private readonly now: () => number,
    private readonly since: number,
  ) {}

  show(line: string): void {
    const elapsed = formatDuration(this.now() - this.since);
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line} | ${elapsed}`);
      this.drawn = true;
    } else if (line !== this.last) {
      this.out.write(`[${elapsed}] ${line}\n`);
    }
    this.last = line;
  }

  /** Ends the redrawn line, so what follows starts on a line of its own. */
  end(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

/** 42s, 3m05s, 2h10m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
