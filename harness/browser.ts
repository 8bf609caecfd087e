// Finds and launches a Chromium that has WebGPU. puppeteer's own download is not used: it is
// unavailable on offline machines, so the executable comes from the environment or the system.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer';

/** Flags that give headless Chromium a WebGPU adapter (SwiftShader where there is no GPU). */
export const WEBGPU_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const SYSTEM_CHROMES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser to drive: CHROME_PATH or PUPPETEER_EXECUTABLE_PATH, then a system Chromium, then puppeteer's own. */
export function findChrome(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['CHROME_PATH', 'PUPPETEER_EXECUTABLE_PATH'] as const) {
    const path = env[name];
    if (path !== undefined && path !== '') {
      if (!existsSync(path)) throw new Error(`${name}=${path} does not exist`);
      return path;
    }
  }
  const system = SYSTEM_CHROMES.find((p) => existsSync(p));
  if (system !== undefined) return system;
  let bundled = '';
  try {
    bundled = puppeteer.executablePath();
  } catch {
    bundled = '';
  }
  if (bundled !== '' && existsSync(bundled)) return bundled;
  throw new Error(
    'No Chrome/Chromium found. Install one (Debian/Ubuntu: apt-get install -y chromium, or run ./setup.sh) ' +
      'or point CHROME_PATH at a Chrome executable.',
  );
}

export interface LaunchOptions {
  /** Launch without the WebGPU flags (to see how pages behave with no adapter). */
  webgpu?: boolean;
  /** Flags added to the WebGPU ones. */
  extraArgs?: readonly string[];
  /** How long one DevTools call may take (puppeteer's default is 180 s). */
  protocolTimeout?: number;
}

export async function launchChrome(options: LaunchOptions = {}): Promise<Browser> {
  const base = options.webgpu === false ? WEBGPU_FLAGS.filter((f) => f !== '--enable-unsafe-webgpu') : [...WEBGPU_FLAGS];
  const args = [...base, ...(options.extraArgs ?? [])];
  return puppeteer.launch({
    executablePath: findChrome(),
    headless: true,
    args,
    ...(options.protocolTimeout === undefined ? {} : { protocolTimeout: options.protocolTimeout }),
  });
}
