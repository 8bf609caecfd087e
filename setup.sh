#!/usr/bin/env bash
# Prepares this checkout to build, test and train: finds (or installs) a Chrome/Chromium with WebGPU,
# Firefox ESR for the cross-runtime tests, and the npm packages (Deno among them). Safe to run again:
# it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")"

have_browser() {
  local p
  for p in "${CHROME_PATH:-}" "${PUPPETEER_EXECUTABLE_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    [ -n "$p" ] && [ -x "$p" ] && return 0
  done
  return 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

if ! have_browser; then
  if command -v apt-get >/dev/null; then
    echo "setup: installing Chromium with apt-get (WebGPU runs on it, in software where there is no GPU)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  if ! have_browser; then
    echo "setup: no Chrome/Chromium found and none could be installed; install one and set CHROME_PATH to it" >&2
    exit 1
  fi
fi

have_firefox() {
  local p
  for p in "${FIREFOX_PATH:-}" /usr/bin/firefox-esr /usr/bin/firefox; do
    [ -n "$p" ] && [ -x "$p" ] && return 0
  done
  return 1
}

# The cross-runtime tests (test/runtimes.test.ts) drive Firefox too: its WebGPU is wgpu, not Dawn.
# Without it only those tests fail, saying how to install it; the rest of the setup goes on.
if ! have_firefox; then
  if command -v apt-get >/dev/null && as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null; then
    echo "setup: installed Firefox ESR with apt-get (the cross-runtime tests drive it)"
  else
    echo "setup: no Firefox found and apt-get could not install firefox-esr: the cross-runtime tests (test/runtimes.test.ts) will fail until one is installed (or FIREFOX_PATH points at one)" >&2
  fi
fi

# Reinstall only when package-lock.json changed since the last install. puppeteer's own browser
# download is skipped: the system Chromium above is used instead.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
# deno's postinstall may not have run (npm can skip install scripts); its launcher finds the
# platform's binary without it, which this checks.
if ! npx --no-install deno --version >/dev/null 2>&1; then
  echo "setup: 'npx deno --version' failed: the cross-runtime tests (test/runtimes.test.ts) need Deno, the deno devDependency" >&2
fi
echo "setup: ready"
