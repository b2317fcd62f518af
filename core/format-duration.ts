/** A span for people to read: `12 s`, `3 min`, `3 min 5 s` (whole seconds). */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

const DAY_MS = 86_400_000;

/** A wait someone asked for (a Retry-After), for people to read: as formatDuration, or `over 1 day`. */
export function formatAskedWait(ms: number): string {
  return ms > DAY_MS || !Number.isFinite(ms) ? 'over 1 day' : formatDuration(ms);
}
