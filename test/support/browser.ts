import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when a Chromium binary is present; browser suites skip with a message otherwise. */
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium && process.env.THREADFINDER_REQUIRE_BROWSER === '1') {
  throw new Error(`THREADFINDER_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
}
if (!hasChromium) {
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, as .ci/run does)`,
  );
}

/** Launches headless Chromium with flags that keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
