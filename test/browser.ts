// Shared by the real-browser tests: Debian's Chromium driven by playwright-core. CI installs
// it (scripts/install-system-deps.sh); where it is missing the browser tests are skipped.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** The Chromium binary, or undefined when none is installed. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

/** The `skip` option of a browser test. */
export const skipWithoutChromium: string | false = CHROMIUM === undefined ? 'chromium is not installed' : false

/**
 * Launches headless Chromium with no network of its own: the machine's network is closed, so
 * background services are turned off (they would fail many connections at every start).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  })
}
