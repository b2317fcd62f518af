import type { HostPause } from '../core/host-pause.ts';

/** `1 min 5 s`. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 === 0 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * What the run's paused hosts cost, as summary lines: images that waited, and per host how long it was paused
 * and why; a host whose pause budget ran out says that its waiting images are `host_unavailable`.
 */
export function hostPauseLines(deferred: number, hosts: readonly HostPause[], indent = '  '): string[] {
  const lines: string[] = [];
  if (deferred > 0) lines.push(`${indent}images deferred (waited for a paused host): ${deferred}`);
  for (const h of hosts.slice(0, 10)) {
    const pauses = `${h.pauses} ${h.pauses === 1 ? 'pause' : 'pauses'}`;
    const gaveUp = h.gaveUp ? '; pause budget spent, its untried images failed as host_unavailable' : '';
    lines.push(
      `${indent}host ${h.host} paused ${duration(h.pausedMs)} in all (${pauses})${gaveUp}: ${h.reasons.join('; ')}`,
    );
  }
  if (hosts.length > 10) lines.push(`${indent}... and ${hosts.length - 10} more paused hosts`);
  return lines;
}
