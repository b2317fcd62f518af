import type { Config } from '#core/config.ts';
import { HostLimiter } from '#core/host-limiter.ts';
import { HostPacer } from '#core/host-pacer.ts';
import type { StagePorts } from '#core/ports/stage-ports.ts';
import { HostHealth } from './host-health.ts';
import type { DownloadDeps } from './run-download.ts';

const MAX_REDIRECTS = 5;

/** The download stage's wiring, the same in a Lambda and in the local runtime. */
export function buildDownloadDeps(
  config: Config,
  ports: Pick<StagePorts, 'blobs' | 'downloadHttp' | 'events'>,
): DownloadDeps {
  const { timeoutMs, maxBytes, retries, maxPixels, perHostConcurrency, hostPauseBudgetMs, forceRefresh } =
    config.download;
  const hosts = { budgetMs: hostPauseBudgetMs };
  const onChange = ports.events?.hostPaused?.bind(ports.events);
  return {
    http: ports.downloadHttp(),
    blobs: ports.blobs,
    limiter: new HostLimiter(perHostConcurrency, new HostPacer()),
    health: healthPerRun(() => new HostHealth(hosts, Date.now, undefined, onChange)),
    settings: { timeoutMs, maxBytes, retries, maxPixels, maxRedirects: MAX_REDIRECTS, forceRefresh, hosts },
  };
}

/** One HostHealth per run, shared by the run's batches in this process (a warm Lambda may serve two runs). */
function healthPerRun(create: () => HostHealth): (runId: string) => HostHealth {
  const runs = new Map<string, HostHealth>();
  return (runId) => {
    let health = runs.get(runId);
    if (!health) {
      health = create();
      runs.set(runId, health);
      for (const old of runs.keys()) if (runs.size > 4) runs.delete(old);
    }
    return health;
  };
}
