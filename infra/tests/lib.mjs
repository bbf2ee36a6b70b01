// Shared by the infra tests: the template, samconfig.toml, and the built site to check
// them against.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';

export const infraDir = fileURLToPath(new URL('..', import.meta.url));

// CloudFormation's short tags (!Ref, !Sub, ...) as { Ref: ... }-style objects.
const intrinsic = (tag, key) => ['scalar', 'seq', 'map'].map((collection) => ({
  tag: `!${tag}`,
  collection: collection === 'scalar' ? undefined : collection,
  resolve: (value) => ({ [key]: collection === 'scalar' ? value : value.toJSON() }),
}));
const cfnTags = [
  ['Ref', 'Ref'], ['Sub', 'Fn::Sub'], ['GetAtt', 'Fn::GetAtt'], ['If', 'Fn::If'],
  ['Not', 'Fn::Not'], ['Equals', 'Fn::Equals'], ['Join', 'Fn::Join'],
  ['Select', 'Fn::Select'], ['Split', 'Fn::Split'],
].flatMap(([tag, key]) => intrinsic(tag, key));

// infra/template.yaml (the site's stack), or another template of infra/ by its file name.
export function template(file = 'template.yaml') {
  return parseYaml(readFileSync(join(infraDir, file), 'utf8'), { customTags: cfnTags });
}

export function samconfig() {
  return parseToml(readFileSync(join(infraDir, 'samconfig.toml'), 'utf8'));
}

// The values of a stack made from the template, as CloudFormation would resolve them, for
// tests that run its pieces here: `evaluate(value)` resolves Ref (parameters: the template's
// defaults, then `parameters`; resources: `names`; pseudo parameters from `stackId`), Fn::If
// (with the template's Conditions), Fn::Equals, Fn::Not, Fn::Select, Fn::Split, Fn::Sub and
// Fn::GetAtt (`names['Resource.Attribute']`); AWS::NoValue drops the key or item.
export function resolver(t, { parameters = {}, names = {}, stackId }) {
  const [, region, account] = stackId.split(':').slice(2);
  const pseudo = {
    'AWS::StackId': stackId,
    'AWS::StackName': stackId.split('/')[1],
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const parameter = (name) => {
    const value = Object.hasOwn(parameters, name) ? parameters[name] : t.Parameters[name].Default;
    if (value === undefined) throw new Error(`the template's parameter ${name} has no default and was not given`);
    return value;
  };
  const NO_VALUE = Symbol('AWS::NoValue');
  const conditions = {};
  const condition = (name) => {
    if (!Object.hasOwn(t.Conditions || {}, name)) throw new Error(`no condition ${name}`);
    conditions[name] ??= Boolean(evaluate(t.Conditions[name]));
    return conditions[name];
  };
  const ref = (name) => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (Object.hasOwn(t.Parameters || {}, name)) return parameter(name);
    for (const table of [pseudo, names]) if (Object.hasOwn(table, name)) return table[name];
    throw new Error(`Ref ${name}: not a parameter, and no name given for it`);
  };
  const getAtt = (a) => {
    const key = Array.isArray(a) ? a.join('.') : a;
    if (!Object.hasOwn(names, key)) throw new Error(`GetAtt ${key}: no value given for it`);
    return names[key];
  };
  const functions = {
    Ref: ref,
    Condition: condition,
    'Fn::If': ([c, yes, no]) => evaluate(condition(c) ? yes : no),
    'Fn::Equals': ([a, b]) => String(evaluate(a)) === String(evaluate(b)),
    'Fn::Not': ([a]) => !evaluate(a),
    'Fn::Select': ([i, list]) => evaluate(list)[Number(evaluate(i))],
    'Fn::Split': ([sep, text]) => String(evaluate(text)).split(sep),
    'Fn::GetAtt': getAtt,
    'Fn::Sub': (text) => String(text).replace(/\$\{([^}]+)\}/g, (_, name) => (name.includes('.') ? getAtt(name) : ref(name))),
  };
  function evaluate(value) {
    if (Array.isArray(value)) return value.map(evaluate).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && Object.hasOwn(functions, keys[0])) return functions[keys[0]](value[keys[0]]);
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, evaluate(v)])
        .filter(([, v]) => v !== NO_VALUE),
    );
  }
  return { evaluate, condition };
}

// One environment of samconfig.toml as a stack: {stackName, region, parameters} (the
// parameter_overrides, `Key=Value` or `Key="Value"`).
export function samEnvironment(env) {
  const deploy = samconfig()[env]?.deploy?.parameters;
  if (!deploy) throw new Error(`samconfig.toml has no ${env}.deploy.parameters`);
  const parameters = {};
  for (const [, key, quoted, plain] of deploy.parameter_overrides.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) {
    parameters[key] = quoted ?? plain;
  }
  return { stackName: deploy.stack_name, region: deploy.region, parameters };
}

// A CloudFront function from the template, as a callable JavaScript function.
export function cloudfrontFunction(name) {
  const code = template().Resources[name].Properties.FunctionCode;
  return new Function(`${code}\nreturn handler;`)();
}

// The built site the tests check against: SITE_DIR (./test.sh builds it). Required.
export function siteDir() {
  const dir = process.env.SITE_DIR;
  if (!dir) throw new Error('SITE_DIR is not set: point it at a site built by site-gen (./test.sh does)');
  statSync(join(dir, 'index.html'));
  return dir;
}

// Every file under dir, as paths relative to it with forward slashes.
export function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
