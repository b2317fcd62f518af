import { z } from 'zod';

/** How patiently the download stage treats a host that fails or throttles; every field has a default. */
export interface HostWatchSettings {
  /** Distinct recent URLs per host the breaker judges by (default 20). */
  windowUrls?: number;
  /** The breaker opens only when at least this many distinct URLs failed, and most of the window did (5). */
  minFailingUrls?: number;
  /** First breaker pause; doubles with each failed probe (default 10 s). */
  cooldownMs?: number;
  /** Longest breaker pause (default 2 min). */
  maxCooldownMs?: number;
  /** Longest pause a Retry-After may ask for; a URL asking for more gives up at once (default 1 min). */
  maxPauseMs?: number;
  /**
   * Pause one host may cost a run before its waiting images fail `host_unavailable` (default 10 min). A pause
   * after which the host served again is not counted (a throttle pause once it serves one image, a breaker
   * pause once it serves `minFailingUrls`): such a host is alive, and a long catalog from a CDN that keeps
   * throttling would otherwise spend the budget and lose the rest of the catalog.
   */
  budgetMs?: number;
}

/** The defaults of HostWatchSettings, defined once. */
export const HOST_WATCH_DEFAULTS: Required<HostWatchSettings> = {
  windowUrls: 20,
  minFailingUrls: 5,
  cooldownMs: 10_000,
  maxCooldownMs: 120_000,
  maxPauseMs: 60_000,
  budgetMs: 600_000,
};

/** Settings with every default applied. */
export function resolveHostWatch(settings: HostWatchSettings): Required<HostWatchSettings> {
  const out = { ...HOST_WATCH_DEFAULTS };
  for (const [key, value] of Object.entries(settings) as [keyof HostWatchSettings, number | undefined][]) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** How long one host was paused during a run, and why; in the run summary. */
export interface HostPause {
  /** `host:port` as the URLs name it. */
  host: string;
  /** Time the host was paused, all pauses together. */
  pausedMs: number;
  /** The part of `pausedMs` charged to the run's pause budget, where less (see HostWatchSettings.budgetMs). */
  chargedMs?: number;
  /**
   * Pause time not given back yet, by kind: what a later pass (another process) may still give back when the
   * host serves (functions/download/host-health.ts #refund).
   */
  owedMs?: { throttled: number; failing: number };
  /** The slowest pace its requests were held to after it throttled us (requests a second; host-pacer.ts). */
  pacedTo?: number;
  pauses: number;
  /** The latest distinct reasons (at most 5), e.g. "6 of its last 9 URLs failed (last: HTTP 503 ...)". */
  reasons: string[];
  /** Set while a pause is still running when a pass hands its images to the next one. */
  pausedUntil?: number;
  /** True when the run's pause budget for the host was spent: its untried images are `host_unavailable`. */
  gaveUp?: boolean;
}

/** Merges what several batches (or passes) saw of the same hosts: the longest pause time per host wins. */
export function mergeHostPauses(lists: Iterable<readonly HostPause[]>): HostPause[] {
  const byHost = new Map<string, HostPause>();
  for (const list of lists) {
    for (const p of list) {
      const seen = byHost.get(p.host);
      if (!seen) {
        byHost.set(p.host, { host: p.host, pausedMs: p.pausedMs, pauses: p.pauses, reasons: [...p.reasons] });
        if (p.chargedMs !== undefined) (byHost.get(p.host) as HostPause).chargedMs = p.chargedMs;
        if (p.pacedTo !== undefined) (byHost.get(p.host) as HostPause).pacedTo = p.pacedTo;
        if (p.gaveUp) (byHost.get(p.host) as HostPause).gaveUp = true;
        continue;
      }
      if (p.chargedMs !== undefined || seen.chargedMs !== undefined) {
        seen.chargedMs = Math.max(seen.chargedMs ?? seen.pausedMs, p.chargedMs ?? p.pausedMs);
      }
      if (p.pacedTo !== undefined) seen.pacedTo = Math.min(seen.pacedTo ?? p.pacedTo, p.pacedTo);
      seen.pausedMs = Math.max(seen.pausedMs, p.pausedMs);
      seen.pauses = Math.max(seen.pauses, p.pauses);
      for (const r of p.reasons) if (!seen.reasons.includes(r)) seen.reasons.push(r);
      seen.reasons = seen.reasons.slice(-5);
      if (p.gaveUp) seen.gaveUp = true;
    }
  }
  return [...byHost.values()].sort((a, b) => b.pausedMs - a.pausedMs || a.host.localeCompare(b.host));
}

/** Prefix of a run's host pause reports, one per batch that saw a paused host. */

const hostPauseSchema = z.object({
  host: z.string().max(300),
  pausedMs: z.number().nonnegative(),
  chargedMs: z.number().nonnegative().optional(),
  pacedTo: z.number().positive().optional(),
  owedMs: z.object({ throttled: z.number().nonnegative(), failing: z.number().nonnegative() }).optional(),
  pauses: z.number().int().nonnegative(),
  reasons: z.array(z.string().max(400)).max(10),
  pausedUntil: z.number().optional(),
  gaveUp: z.boolean().optional(),
});
const reportSchema = z.object({ hosts: z.array(hostPauseSchema).max(1000) });

/** Parses one host report; undefined when it is not one (the summary then leaves it out). */
export function parseHostPauses(bytes: Uint8Array): HostPause[] | undefined {
  try {
    const parsed = reportSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data.hosts : undefined;
  } catch {
    return undefined;
  }
}

/** A host's state change, for progress displays. */
export interface HostPauseEvent {
  host: string;
  /** Epoch ms the pause ends; undefined when the host resumed. */
  until?: number;
  why?: string;
  /**
   * Set (and nothing else) when the pace of the host's requests changed after it throttled us: requests a
   * second, Infinity once they are no longer paced.
   */
  pacedTo?: number;
}
