// Lambda as a Function URL runs a function, on this machine: the Lambda Runtime API the
// function's binary polls (AWS Lambda Developer Guide, "Using the Lambda runtime API for custom
// runtimes": GET /2018-06-01/runtime/invocation/next, POST .../{id}/response, .../{id}/error,
// /runtime/init/error) and, on the same port, the Function URL in front of it (every other path:
// the HTTP request becomes a payload format 2.0 event, the function's answer becomes the HTTP
// answer; "Lambda function URLs: invocation", request and response payloads).
//
//   const lambda = await startFunctionUrl({ functionName });
//   spawn(binary, { env: { ...lambda.env, ... } });  // AWS_LAMBDA_RUNTIME_API and the names
//   fetch(lambda.url + '/api/...');                   // as a Function URL is called
//
// Why not `cargo lambda watch` (PyPI cargo-lambda 1.9.2, the newest): its runtime server
// answers the function's POST .../response before it has read the body, and hands the body to
// the waiting Function URL request; when that request reads it, the connection may be gone,
// and it answers 500 with its own problem JSON though the function answered. Measured here
// with the `api` binary: 5 of 700 POSTs whose answer was the 23 KB 422 page got that 500,
// 0 of 500 with an 830-byte answer. This server reads every body to its end first.
//
// One invocation at a time, as one Lambda instance runs them; others wait in order. A
// function error (POST .../error) answers 502, as a Function URL does.

import { randomUUID } from 'node:crypto';
import http from 'node:http';

const RUNTIME = '/2018-06-01/runtime/';
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

// A request's whole body (also cloudfront.mjs's).
export const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

function send(res, status, headers, body = '') {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, { ...headers, 'content-length': bytes.length });
  res.end(bytes);
}

// The payload format 2.0 event of an HTTP request to a Function URL.
export function functionUrlEvent({ method, url, headers, body, sourceIp, requestId, functionName }) {
  const now = new Date();
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'cookie') continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = url.search.replace(/^\?/, '');
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: query,
    headers: out,
    requestContext: {
      accountId: 'anonymous',
      apiId: functionName,
      domainName: `${functionName}.lambda-url.eu-north-1.on.aws`,
      domainPrefix: functionName,
      http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp, userAgent: out['user-agent'] || '' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (headers.cookie) event.cookies = String(headers.cookie).split(/;\s*/);
  if (query) {
    const params = {};
    for (const [k, v] of new URLSearchParams(query)) params[k] = params[k] === undefined ? v : `${params[k]},${v}`;
    event.queryStringParameters = params;
  }
  if (body.length) {
    const text = TEXT_TYPES.test(out['content-type'] || '');
    event.body = text ? body.toString('utf8') : body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

// The HTTP answer of a function's payload format 2.0 response: {status, headers, body}.
export function functionUrlAnswer(payload) {
  if (!payload || typeof payload !== 'object' || !('statusCode' in payload)) {
    // A Function URL sends any other JSON value as the body of a 200 (application/json).
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)) };
  }
  const headers = {};
  for (const [name, value] of Object.entries(payload.headers || {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(payload.multiValueHeaders || {})) headers[name.toLowerCase()] = values.map(String).join(',');
  if (payload.cookies?.length) headers['set-cookie'] = payload.cookies;
  const raw = payload.body ?? '';
  const body = payload.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return { status: Number(payload.statusCode), headers, body };
}

// Starts the server on 127.0.0.1 (a free port). Resolves {url, env, close}: `url` is the
// Function URL, `env` the AWS_LAMBDA_* variables Lambda gives the function.
export function startFunctionUrl({ functionName = 'api', memoryMb = 128, timeoutMs = 30_000 } = {}) {
  const queue = []; // invocations not yet taken: {id, event, resolve}
  const running = new Map(); // id -> resolve
  let waiting = null; // the function's parked GET .../next

  function hand(res, inv) {
    running.set(inv.id, inv.resolve);
    send(
      res,
      200,
      {
        'content-type': 'application/json',
        'lambda-runtime-aws-request-id': inv.id,
        'lambda-runtime-deadline-ms': String(Date.now() + timeoutMs),
        'lambda-runtime-invoked-function-arn': `arn:aws:lambda:eu-north-1:000000000000:function:${functionName}`,
        'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
      },
      JSON.stringify(inv.event),
    );
  }

  function invoke(event) {
    return new Promise((resolve) => {
      const inv = { id: randomUUID(), event, resolve };
      if (waiting && running.size === 0) {
        const res = waiting;
        waiting = null;
        hand(res, inv);
      } else queue.push(inv);
    });
  }

  async function runtimeApi(req, res, rest) {
    const body = await readBody(req);
    if (req.method === 'GET' && rest === 'invocation/next') {
      if (waiting) return send(res, 400, {}, '{"errorType":"AlreadyWaiting"}');
      if (queue.length && running.size === 0) return hand(res, queue.shift());
      waiting = res;
      res.once('close', () => waiting === res && (waiting = null));
      return undefined;
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (req.method === 'POST' && m && running.has(m[1])) {
      const resolve = running.get(m[1]);
      running.delete(m[1]);
      resolve(m[2] === 'response' ? { ok: true, body } : { ok: false, body, type: req.headers['lambda-runtime-function-error-type'] });
      send(res, 202, { 'content-type': 'application/json' }, '{"status":"OK"}');
      if (waiting && queue.length) {
        const next = waiting;
        waiting = null;
        hand(next, queue.shift());
      }
      return undefined;
    }
    if (req.method === 'POST' && rest === 'init/error') {
      for (const inv of queue.splice(0)) inv.resolve({ ok: false, body, type: 'init' });
      return send(res, 202, { 'content-type': 'application/json' }, '{"status":"OK"}');
    }
    return send(res, 400, { 'content-type': 'application/json' }, `{"errorType":"InvalidRequestID","path":${JSON.stringify(rest)}}`);
  }

  async function functionUrl(req, res, url) {
    const body = await readBody(req);
    const requestId = randomUUID();
    const sourceIp = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
    const event = functionUrlEvent({ method: req.method, url, headers: req.headers, body, sourceIp, requestId, functionName });
    const result = await invoke(event);
    if (!result.ok) return send(res, 502, { 'content-type': 'application/json' }, '{"Message":"Internal Server Error"}');
    let payload;
    try {
      payload = JSON.parse(result.body.toString('utf8'));
    } catch {
      return send(res, 502, { 'content-type': 'application/json' }, '{"Message":"the function answered no JSON"}');
    }
    const answer = functionUrlAnswer(payload);
    return send(res, answer.status, answer.headers, answer.body);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://function-url.invalid');
    const done = url.pathname.startsWith(RUNTIME) ? runtimeApi(req, res, url.pathname.slice(RUNTIME.length)) : functionUrl(req, res, url);
    done.catch((err) => send(res, 500, { 'content-type': 'text/plain' }, `the local Lambda failed: ${err.message}\n`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const host = `127.0.0.1:${server.address().port}`;
      resolve({
        url: `http://${host}`,
        env: {
          AWS_LAMBDA_RUNTIME_API: host,
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        },
        close: () => new Promise((r) => {
          waiting?.destroy?.();
          server.closeAllConnections?.();
          server.close(() => r());
        }),
      });
    });
  });
}
