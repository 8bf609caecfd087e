// Finds and launches headless Firefox with WebGPU for the cross-runtime tests, driven by puppeteer
// over WebDriver BiDi. Firefox's WebGPU is wgpu (WebGPU through Naga and Vulkan on Linux): behind
// prefs on Linux, and on a machine without a GPU on SwiftShader's Vulkan driver, found through the
// same environment the Dawn tests use (node-gpu.ts dawnEnv).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer';
import { dawnEnv } from './node-gpu.ts';

const SYSTEM_FIREFOXES = ['/usr/bin/firefox-esr', '/usr/bin/firefox'];

/** Prefs that turn on WebGPU on Linux and let it use any adapter, SwiftShader included. */
export const FIREFOX_WEBGPU_PREFS: Readonly<Record<string, unknown>> = {
  'dom.webgpu.enabled': true,
  'gfx.webgpu.ignore-blocklist': true,
};

/** FIREFOX_PATH, else Debian's firefox-esr (or a system firefox); an Error that says how to install one. */
export function findFirefox(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = SYSTEM_FIREFOXES): string {
  const given = env.FIREFOX_PATH;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`FIREFOX_PATH=${given} does not exist`);
    return given;
  }
  const system = candidates.find((p) => existsSync(p));
  if (system !== undefined) return system;
  throw new Error(
    `No Firefox found (looked for ${candidates.join(', ')}). The cross-runtime tests need it: run ./setup.sh ` +
      '(Debian/Ubuntu: apt-get install -y firefox-esr) or point FIREFOX_PATH at a Firefox executable.',
  );
}

export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: findFirefox(),
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_WEBGPU_PREFS },
    env: dawnEnv(),
  });
}
