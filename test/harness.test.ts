// The harness's own logic: which browser it picks and which files the static server will serve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findChrome } from '../harness/browser.ts';
import { resolveInside } from '../harness/server.ts';

test('findChrome: CHROME_PATH wins, then PUPPETEER_EXECUTABLE_PATH; a missing path is an error naming it', () => {
  assert.is(findChrome({ CHROME_PATH: '/bin/sh', PUPPETEER_EXECUTABLE_PATH: '/bin/ls' }), '/bin/sh');
  assert.is(findChrome({ PUPPETEER_EXECUTABLE_PATH: '/bin/ls' }), '/bin/ls');
  assert.throws(() => findChrome({ CHROME_PATH: '/nonexistent/chrome' }), /CHROME_PATH=\/nonexistent\/chrome does not exist/);
});

test('resolveInside: paths stay below the root', () => {
  assert.is(resolveInside('/srv/www', '/harness/page.html'), '/srv/www/harness/page.html');
  assert.is(resolveInside('/srv/www', '/a/b/../c.js?x=1'), '/srv/www/a/c.js');
  assert.is(resolveInside('/srv/www', '/../etc/passwd'), null);
  assert.is(resolveInside('/srv/www', '/%2e%2e/%2e%2e/etc/passwd'), null);
});

test.run();
