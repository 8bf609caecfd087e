// The harness's own logic: which browser it picks and how the static servers read a request's path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findChrome } from '../harness/browser.ts';
import { decodeUrlPath, resolveInside } from '../harness/static-files.ts';

test('findChrome: CHROME_PATH wins, then PUPPETEER_EXECUTABLE_PATH; a missing path is an error naming it', () => {
  assert.is(findChrome({ CHROME_PATH: '/bin/sh', PUPPETEER_EXECUTABLE_PATH: '/bin/ls' }), '/bin/sh');
  assert.is(findChrome({ PUPPETEER_EXECUTABLE_PATH: '/bin/ls' }), '/bin/ls');
  assert.throws(() => findChrome({ CHROME_PATH: '/nonexistent/chrome' }), /CHROME_PATH=\/nonexistent\/chrome does not exist/);
});

test('decodeUrlPath: one decoding, query dropped; malformed escapes, NUL and backslashes are 400, `..` in any encoding 403', () => {
  assert.is(decodeUrlPath('/harness/page.html'), '/harness/page.html');
  assert.is(decodeUrlPath('/a%20b.csv?x=1#y'), '/a b.csv');
  assert.is(decodeUrlPath('/%252e%252e/x'), '/%2e%2e/x', 'decoded once: a literal name, not a parent');
  for (const bad of ['/%', '/%E0%A4%A', '/%zz', '/a%00b', '/a\0b', '/a\\b', '/a%5cb', 'x', '', '*', 'http://127.0.0.1/x']) {
    assert.equal(decodeUrlPath(bad), { status: 400 }, JSON.stringify(bad));
  }
  for (const up of ['/../etc/passwd', '/%2e%2e/etc', '/a/%2E%2e/b', '/a/..', '/..%2fetc']) {
    assert.equal(decodeUrlPath(up), { status: 403 }, up);
  }
});

test('resolveInside: decoded paths stay below the root', () => {
  assert.is(resolveInside('/srv/www', '/harness/page.html'), '/srv/www/harness/page.html');
  assert.is(resolveInside('/srv/www', '/a/./c.js'), '/srv/www/a/c.js');
  assert.is(resolveInside('/srv/www', '/'), '/srv/www/');
  assert.is(resolveInside('/srv/www', '/../etc/passwd'), null);
  assert.is(resolveInside('/srv/www', '/../www2/x'), null, 'a sibling whose name starts like the root');
});

test.run();
