import type { Resolver } from '#adapters/ip-guard.ts';
import type { RetryClock } from '#core/retry.ts';

/** A resolver that answers like a machine without network (ENOTFOUND) and records every host asked for. */
export function offlineResolver(): { lookup: Resolver; asked: string[] } {
  const asked: string[] = [];
  const lookup: Resolver = async (hostname) => {
    asked.push(hostname);
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  return { lookup, asked };
}

/** A retry clock that never waits but records each wait asked for; `random` is near 1, so waits are the longest. */
export function recordingClock(): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.999,
  };
}
