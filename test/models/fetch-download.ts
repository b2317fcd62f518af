import { type DownloadJob, type DownloadOptions, downloadFile } from '#models/fetch/download.ts';
import { createFetchAgent } from '#models/fetch/http.ts';

/** Retries that wait no time and jitter that is always 0. */
export const noWait = { sleep: async () => undefined, random: () => 0 };

/** Download options for the loopback file server: 127.0.0.1 allowed, no waits. */
export const loopback: DownloadOptions = { allowAddresses: ['127.0.0.1'], clock: noWait };

/** Downloads one job with an agent of its own, closed afterwards, as a models fetch does. */
export async function download(j: DownloadJob, options: DownloadOptions = loopback) {
  const agent = createFetchAgent(options);
  try {
    return await downloadFile(j, agent, options);
  } finally {
    await agent.agent.close();
  }
}
