// Static HTTP server for a generated site (node:http only), used by gate.mjs and selftest.mjs.
// Pretty URLs: "/x/" serves x/index.html, "/x" (a folder) redirects to "/x/", anything missing
// answers 404 with the body of 404.html. Listens on 127.0.0.1 on a free port. Every answer
// carries production's Content-Security-Policy (read from infra/template.yaml), so a page
// that needs inline script or style fails the gate here, not in production.
//
//   node server.mjs DIR     serves DIR until interrupted (prints the base URL)

import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The CSP CloudFront's response headers policy sends (infra/template.yaml).
export const PRODUCTION_CSP = (() => {
  const template = readFileSync(new URL('../../../infra/template.yaml', import.meta.url), 'utf8');
  const m = template.match(/^\s*ContentSecurityPolicy: "([^"]+)"$/m);
  if (!m) throw new Error('no ContentSecurityPolicy in infra/template.yaml');
  return m[1];
})();

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

export function startServer(root, port = 0) {
  const notFoundFile = path.join(root, '404.html');
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' });
        res.end();
        return;
      }
      const url = new URL(req.url, 'http://localhost');
      let rel;
      try {
        rel = decodeURIComponent(url.pathname);
      } catch {
        return send404(res, req);
      }
      if (rel.includes('\0')) return send404(res, req);
      let file = path.resolve(root, '.' + rel);
      if (file !== root && !file.startsWith(root + path.sep)) return send404(res, req);
      let st = await stat(file).catch(() => null);
      if (st && st.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          res.writeHead(301, { Location: url.pathname + '/' + url.search });
          res.end();
          return;
        }
        file = path.join(file, 'index.html');
        st = await stat(file).catch(() => null);
      }
      if (!st || !st.isFile()) return send404(res, req);
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        'Content-Security-Policy': PRODUCTION_CSP,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(String(err));
    }
  });

  async function send404(res, req) {
    const body = await readFile(notFoundFile).catch(() => Buffer.from('404 Not Found\n'));
    const isHtml = existsSync(notFoundFile);
    res.writeHead(404, {
      'Content-Type': isHtml ? CONTENT_TYPES['.html'] : CONTENT_TYPES['.txt'],
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'Content-Security-Policy': PRODUCTION_CSP,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ server, baseUrl: `http://127.0.0.1:${port}` });
    });
  });
}

export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node server.mjs DIR');
    process.exit(2);
  }
  const { server, baseUrl } = await startServer(path.resolve(dir));
  console.log(baseUrl);
  const stop = () => closeServer(server).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
