// The template's CloudFront functions, run in Node against every file of the built site:
// each page's pretty URL maps to its object in the bucket, a URL without the trailing
// slash is redirected (query kept), files pass through unchanged; the API function hands
// the handler the viewer's address and the site's host, whatever the client sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloudfrontFunction, files, siteDir } from './lib.mjs';

const sitePath = cloudfrontFunction('SitePathFunction');
const apiViewer = cloudfrontFunction('ApiViewerFunction');

const request = (uri, querystring = {}, headers = {}) => ({
  viewer: { ip: '198.51.100.7' },
  request: { method: 'GET', uri, querystring, headers: { host: { value: 'd111.cloudfront.net' }, ...headers } },
});

test('every page of the site is reached by its pretty URL', () => {
  const all = files(siteDir());
  const pages = all.filter((f) => f === 'index.html' || f.endsWith('/index.html'));
  for (const page of ['index.html', 'minivejledningsforloeb/index.html', 'etaarige-forloeb/index.html']) {
    assert.ok(pages.includes(page), `${page} is not in ${siteDir()}`);
  }
  const keys = new Set(all);
  for (const page of pages) {
    const uri = '/' + page.slice(0, -'index.html'.length);
    const out = sitePath(request(uri));
    assert.equal(out.uri, '/' + page, uri);
    assert.ok(keys.has(out.uri.slice(1)), `${uri} -> ${out.uri}, not in the bucket`);
    if (uri !== '/') {
      const bare = uri.slice(0, -1);
      const redirect = sitePath(request(bare));
      assert.equal(redirect.statusCode, 301, bare);
      assert.equal(redirect.headers.location.value, uri, bare);
    }
  }
});

test('files pass through unchanged', () => {
  const others = files(siteDir()).filter((f) => !f.endsWith('index.html'));
  assert.ok(others.some((f) => f.startsWith('static/')), 'no static files in the site');
  assert.ok(others.includes('404.html') && others.includes('sitemap.xml'));
  for (const file of others) {
    const out = sitePath(request('/' + file));
    assert.equal(out.uri, '/' + file);
    assert.equal(out.statusCode, undefined);
  }
});

test('the redirect keeps the query string', () => {
  const out = sitePath(request('/minivejledningsforloeb', {
    utm_source: { value: 'nyhedsbrev' },
    tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] },
    flag: { value: '' },
  }));
  assert.equal(out.statusCode, 301);
  assert.equal(out.headers.location.value, '/minivejledningsforloeb/?utm_source=nyhedsbrev&tag=a&tag=b&flag');
});

test('the API function sets the viewer address and host, over anything the client sent', () => {
  const forged = request('/api/applications/minivejledning', {}, {
    'true-client-ip': { value: '10.0.0.1' },
    'x-viewer-host': { value: 'evil.example' },
  });
  const out = apiViewer(forged);
  assert.equal(out.uri, '/api/applications/minivejledning');
  assert.equal(out.headers['true-client-ip'].value, '198.51.100.7');
  assert.equal(out.headers['x-viewer-host'].value, 'd111.cloudfront.net');
});
