import { formatDuration } from '#core/format-duration.ts';
import type { HostPause } from '#core/host-pause.ts';

/**
 * What the run's paused hosts cost, as summary lines: images that waited, and per host how long it was paused
 * and why; a host whose pause budget ran out says that its waiting images are `host_unavailable`.
 */
export function hostPauseLines(deferred: number, hosts: readonly HostPause[], indent = '  '): string[] {
  const lines: string[] = [];
  if (deferred > 0) lines.push(`${indent}images deferred (waited for a paused host): ${deferred}`);
  for (const h of hosts.slice(0, 10)) {
    const pauses = `${h.pauses} ${h.pauses === 1 ? 'pause' : 'pauses'}`;
    const gaveUp = h.gaveUp
      ? '; pause budget spent: images still waiting for it failed as host_unavailable, or kept the original an earlier run stored'
      : '';
    const paced = h.pacedTo === undefined ? '' : `; then paced, at ${h.pacedTo} requests/s at the slowest`;
    lines.push(
      `${indent}host ${h.host} paused ${formatDuration(h.pausedMs)} in all (${pauses})${gaveUp}: ${h.reasons.join('; ')}${paced}`,
    );
  }
  if (hosts.length > 10) lines.push(`${indent}... and ${hosts.length - 10} more paused hosts`);
  return lines;
}
