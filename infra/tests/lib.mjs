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
].flatMap(([tag, key]) => intrinsic(tag, key));

export function template() {
  return parseYaml(readFileSync(join(infraDir, 'template.yaml'), 'utf8'), { customTags: cfnTags });
}

export function samconfig() {
  return parseToml(readFileSync(join(infraDir, 'samconfig.toml'), 'utf8'));
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
