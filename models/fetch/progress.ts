import type { DownloadProgress } from './download.ts';

const MB = 1_000_000;

/** One progress line: name, bar, percentage and megabytes (no bar when the total is unknown). */
export function progressLine(name: string, received: number, total: number | null, width = 24): string {
  const done = `${(received / MB).toFixed(1)}`;
  if (!total) return `${name}  ${done} MB`;
  const fraction = Math.min(1, received / total);
  const filled = Math.round(fraction * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const percent = `${Math.floor(fraction * 100)}`.padStart(3);
  return `${name}  [${bar}] ${percent}%  ${done}/${(total / MB).toFixed(1)} MB`;
}

/** Where progress goes: a terminal gets one self-overwriting line, anything else a line per 10 %. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Returns an onProgress callback printing to `sink`, naming files relative to `root`. */
export function progressPrinter(sink: ProgressSink, nameOf: (p: DownloadProgress) => string) {
  let lastKey = '';
  let lastStep = -1;
  return (p: DownloadProgress) => {
    const name = nameOf(p);
    const step = p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 10) : -1;
    if (sink.isTTY) {
      sink.write(`\r${progressLine(name, p.receivedBytes, p.totalBytes)}\u001b[K`);
      if (p.totalBytes && p.receivedBytes >= p.totalBytes) sink.write('\n');
      return;
    }
    if (name === lastKey && step === lastStep) return;
    lastKey = name;
    lastStep = step;
    sink.write(`${progressLine(name, p.receivedBytes, p.totalBytes)}\n`);
  };
}
