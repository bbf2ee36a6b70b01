// The deployment of infra/template.yaml, shaped on this machine: a server that does what the
// stack's CloudFront distribution does in front of the built site (the bucket) and the form
// handler's Lambda (reached here through its Function URL, lambda-runtime.mjs). Every
// part is read from the template, not copied: the behaviours and their path patterns and
// methods, the CloudFront functions, the API origin's custom headers (the origin secret), the
// response headers policy and the custom error responses. The Lambda's environment comes from
// the same template, resolved for samconfig.toml's test environment (see `stackShape`).
//
//   const shape = stackShape({ tableName });
//   const { server, baseUrl } = await startCloudFront({ shape, siteDir, apiUrl });
//
// What it does, as CloudFront does:
//   - a request picks the first cache behaviour whose PathPattern matches (else the default);
//     a method the behaviour does not allow gets 403;
//   - its viewer-request function runs on the request (viewer IP: the client's address); a
//     response it returns (a redirect) is sent as it is;
//   - the bucket origin (S3): the object at the URI, or 403 (a missing key, as S3 answers
//     CloudFront without ListBucket); the API origin: the request with every viewer header
//     but Host (Managed-AllViewerExceptHostHeader) and the origin's custom headers, sent to
//     `apiUrl` + URI + query, the answer passed on unchanged (redirects not followed);
//   - an answer whose status has a custom error response is replaced by that page with its
//     status (403 -> /404.html with 404, from whichever origin);
//   - the response headers policy's headers are set on every answer (Override: true).

import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { resolver, samEnvironment, template } from '../../../infra/tests/lib.mjs';
import { readBody } from './lambda-runtime.mjs';
import { CONTENT_TYPES } from './server.mjs';

// The ids CloudFront's managed policies go by (AWS documentation, "Use managed policies").
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

// The template's stack for samconfig.toml's test environment, with a fresh stack id:
// {env: the form handler Lambda's environment, functionEnv: the AWS_LAMBDA_* values Lambda
// sets from the function's configuration (memory, log format and level), behaviours, origins, responseHeaders, errorResponses,
// table: the applications table's properties}. `tableName` is the table's physical name.
export function stackShape({ tableName }) {
  const t = template();
  const sam = samEnvironment('test');
  const stackId = `arn:aws:cloudformation:${sam.region}:123456789012:stack/${sam.stackName}/${randomUUID()}`;
  const r = resolver(t, { parameters: sam.parameters, names: { ApplicationsTable: tableName }, stackId });
  const fn = t.Resources.FormHandler.Properties;
  const dist = t.Resources.Distribution.Properties.DistributionConfig;
  const behaviour = (b, pattern) => {
    const functions = {};
    for (const a of b.FunctionAssociations || []) {
      const resource = functionResource(a.FunctionARN);
      functions[a.EventType] = compile(t.Resources[resource].Properties.FunctionCode, resource);
    }
    if (b.OriginRequestPolicyId && b.OriginRequestPolicyId !== ALL_VIEWER_EXCEPT_HOST_HEADER) {
      throw new Error(`behaviour ${pattern}: origin request policy ${b.OriginRequestPolicyId} is not modelled here`);
    }
    return { pattern, origin: b.TargetOriginId, methods: b.AllowedMethods, functions, responseHeadersPolicy: policyName(b.ResponseHeadersPolicyId) };
  };
  const behaviours = [...(dist.CacheBehaviors || []).map((b) => behaviour(b, b.PathPattern)), behaviour(dist.DefaultCacheBehavior, '*')];
  const origins = Object.fromEntries(
    dist.Origins.map((o) => [
      o.Id,
      {
        kind: o.S3OriginConfig ? 's3' : 'custom',
        headers: (r.evaluate(o.OriginCustomHeaders || [])).map((h) => [h.HeaderName.toLowerCase(), String(h.HeaderValue)]),
      },
    ]),
  );
  const policies = {};
  for (const b of behaviours) {
    if (b.responseHeadersPolicy && !policies[b.responseHeadersPolicy]) {
      policies[b.responseHeadersPolicy] = responseHeaders(t.Resources[b.responseHeadersPolicy].Properties.ResponseHeadersPolicyConfig);
    }
  }
  const env = Object.fromEntries(Object.entries(r.evaluate(fn.Environment.Variables)).map(([k, v]) => [k, String(v)]));
  return {
    stackId,
    env,
    // What Lambda itself sets from the function's configuration.
    functionEnv: {
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize),
      AWS_LAMBDA_LOG_FORMAT: fn.LoggingConfig?.LogFormat ?? 'Text',
      ...(fn.LoggingConfig?.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: fn.LoggingConfig.ApplicationLogLevel } : {}),
    },
    behaviours,
    origins,
    policies,
    errorResponses: dist.CustomErrorResponses || [],
    defaultOrigin: dist.DefaultCacheBehavior.TargetOriginId,
    table: t.Resources.ApplicationsTable.Properties,
  };
}

// `!GetAtt Resource.FunctionMetadata.FunctionARN` -> Resource.
function functionResource(arn) {
  const att = arn?.['Fn::GetAtt'];
  const name = Array.isArray(att) ? att[0] : String(att || '').split('.')[0];
  if (!name) throw new Error(`a function association is not a GetAtt of a function: ${JSON.stringify(arn)}`);
  return name;
}

function policyName(id) {
  if (id && typeof id === 'object' && id.Ref) return id.Ref;
  return null;
}

function compile(code, name) {
  try {
    return new Function(`${code}\nreturn handler;`)();
  } catch (err) {
    throw new Error(`the CloudFront function ${name} does not compile: ${err.message}`);
  }
}

// The headers a ResponseHeadersPolicyConfig sets, as [name, value] (CloudFront's names).
function responseHeaders(config) {
  const out = [];
  const sec = config.SecurityHeadersConfig || {};
  if (sec.ContentSecurityPolicy) out.push(['content-security-policy', sec.ContentSecurityPolicy.ContentSecurityPolicy]);
  if (sec.StrictTransportSecurity) {
    const h = sec.StrictTransportSecurity;
    out.push(['strict-transport-security', `max-age=${h.AccessControlMaxAgeSec}${h.IncludeSubdomains ? '; includeSubDomains' : ''}${h.Preload ? '; preload' : ''}`]);
  }
  if (sec.ContentTypeOptions) out.push(['x-content-type-options', 'nosniff']);
  if (sec.FrameOptions) out.push(['x-frame-options', sec.FrameOptions.FrameOption]);
  if (sec.ReferrerPolicy) out.push(['referrer-policy', sec.ReferrerPolicy.ReferrerPolicy]);
  for (const item of config.CustomHeadersConfig?.Items || []) out.push([item.Header.toLowerCase(), item.Value]);
  return out;
}

// CloudFront's path patterns: `*` any characters, `?` one; case-sensitive.
function matches(pattern, uri) {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(uri);
}

// The CloudFront function event of a Node request.
function functionEvent(req, url) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = { value: Array.isArray(value) ? value.join(',') : value };
  const querystring = {};
  for (const [name, value] of url.searchParams) {
    if (querystring[name]) (querystring[name].multiValue ??= [{ value: querystring[name].value }]).push({ value });
    else querystring[name] = { value };
  }
  const ip = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
  return { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip }, request: { method: req.method, uri: url.pathname, querystring, headers, cookies: {} } };
}

function queryOf(request) {
  const parts = [];
  for (const [name, q] of Object.entries(request.querystring || {})) {
    for (const v of q.multiValue || [q]) parts.push(v.value === '' ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(v.value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

// An object of the bucket: {status, headers, body}; 403 for a key that is not there.
async function fromBucket(siteDir, uri) {
  let key;
  try {
    key = decodeURIComponent(uri).replace(/^\//, '');
  } catch {
    return { status: 400, headers: {}, body: Buffer.alloc(0) };
  }
  const file = path.resolve(siteDir, key);
  const inside = file.startsWith(siteDir + path.sep);
  const st = inside ? await stat(file).catch(() => null) : null;
  if (!st || !st.isFile()) {
    return { status: 403, headers: { 'content-type': 'application/xml' }, body: Buffer.from('<Error><Code>AccessDenied</Code></Error>') };
  }
  const body = await readFile(file);
  return { status: 200, headers: { 'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream' }, body };
}

// The request sent on to the API origin: {status, headers, body}.
function fromApi(apiUrl, request, body, originHeaders) {
  const target = new URL(apiUrl + request.uri + queryOf(request));
  const headers = {};
  for (const [name, { value }] of Object.entries(request.headers)) if (name !== 'host') headers[name] = value;
  for (const [name, value] of originHeaders) headers[name] = value;
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const out = http.request(target, { method: request.method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

// Starts the CloudFront-shaped server on 127.0.0.1 (a free port): resolves {server, baseUrl}.
// `apiUrl`: where the API origin is reached (the function's URL).
// `onRequest({method, uri, status, origin})` is told of each request (for the test's log).
export function startCloudFront({ shape, siteDir, apiUrl, onRequest = () => {} }) {
  const root = path.resolve(siteDir);
  const server = http.createServer(async (req, res) => {
    let answer;
    const url = new URL(req.url, 'http://cloudfront.invalid');
    const behaviour = shape.behaviours.find((b) => matches(b.pattern, url.pathname));
    try {
      answer = await viewerRequest(req, url, behaviour);
    } catch (err) {
      answer = { status: 502, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(`502: ${err.message}\n`) };
    }
    const headers = { ...answer.headers };
    for (const drop of ['content-length', 'transfer-encoding', 'connection', 'keep-alive']) delete headers[drop];
    for (const [name, value] of shape.policies[behaviour.responseHeadersPolicy] || []) headers[name] = value;
    onRequest({ method: req.method, uri: url.pathname, status: answer.status, origin: behaviour.origin });
    res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });

  async function viewerRequest(req, url, behaviour) {
    const body = await readBody(req);
    if (!behaviour.methods.includes(req.method)) {
      return { status: 403, headers: { 'content-type': 'text/plain' }, body: Buffer.from('403 method not allowed by CloudFront\n') };
    }
    let request = functionEvent(req, url).request;
    const fn = behaviour.functions['viewer-request'];
    if (fn) {
      const out = fn(functionEvent(req, url));
      if (out.statusCode) {
        const headers = Object.fromEntries(Object.entries(out.headers || {}).map(([k, v]) => [k, v.value]));
        return { status: out.statusCode, headers, body: Buffer.from(out.body?.data || '') };
      }
      request = out;
    }
    const origin = shape.origins[behaviour.origin];
    const answer = origin.kind === 's3' ? await fromBucket(root, request.uri) : await fromApi(apiUrl, request, body, origin.headers);
    const custom = shape.errorResponses.find((e) => Number(e.ErrorCode) === answer.status);
    if (!custom) return answer;
    const page = await fromBucket(root, custom.ResponsePagePath);
    return { status: Number(custom.ResponseCode), headers: page.headers, body: page.body };
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, baseUrl: `http://127.0.0.1:${server.address().port}` }));
  });
}
