#!/usr/bin/env bash
# The project's one test command (README.md; what it runs: CONTRIBUTING.md; CI runs it through .ci/run).
# Installs what the tests need when it is missing, then runs every test and gate:
# formatting, clippy, the Rust tests, the built site in headless Chromium (axe) and
# the Nu HTML checker, the live-preview test, and the deployment's offline checks.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n==> %s\n' "$*"; }

# --- tools -------------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "installing the browser test tools (npm ci)"
(cd site-gen/tests/browser && npm ci --no-audit --no-fund --loglevel=error)
(cd infra/tests && npm ci --no-audit --no-fund --loglevel=error)

# The deployment's checkers, pinned, in their own virtualenvs (their dependencies clash
# with each other and with moto) and a cargo root, kept between runs.
infra_tools="${INFRA_TOOLS:-$HOME/.cache/infra-tools}"
if [ ! -x "$infra_tools/sam/bin/sam" ] || [ ! -x "$infra_tools/sam/bin/cfn-lint" ]; then
  say "installing aws-sam-cli, cfn-lint and cfn-lint-serverless into $infra_tools/sam"
  python3 -m venv "$infra_tools/sam"
  "$infra_tools/sam/bin/pip" install --quiet 'aws-sam-cli==1.170.0' 'cfn-lint==1.58.0' 'cfn-lint-serverless==0.3.6'
fi
if [ ! -x "$infra_tools/checkov/bin/checkov" ]; then
  say "installing checkov into $infra_tools/checkov"
  python3 -m venv "$infra_tools/checkov"
  "$infra_tools/checkov/bin/pip" install --quiet 'checkov==3.3.30'
fi
if [ ! -x "$infra_tools/lambda/bin/cargo-lambda" ]; then
  say "installing cargo-lambda (the Lambda runtime emulator) into $infra_tools/lambda"
  python3 -m venv "$infra_tools/lambda"
  "$infra_tools/lambda/bin/pip" install --quiet 'cargo-lambda==1.9.2'
fi
if [ ! -x "$infra_tools/guard/bin/cfn-guard" ]; then
  say "installing cfn-guard into $infra_tools/guard (cargo install, a few minutes)"
  cargo install --quiet --locked cfn-guard --version 3.2.1 --root "$infra_tools/guard"
fi
# moto, pinned, in a virtualenv of its own: serial_moto.py uses moto's server module
# (moto.server) and request handler, and another moto on the machine (5.2.1 lacks that
# handler) must not be the one the tests start. The tests run $MOTO_PYTHON; this checks
# the very imports they make, with that interpreter, and installs when they fail.
moto_version=5.2.6
export MOTO_PYTHON="$infra_tools/moto/bin/python3"
moto_fits() {
  "$MOTO_PYTHON" -c "import moto, sys; from moto.server import DomainDispatcherApplication, create_backend_app; from moto.moto_server.werkzeug_app import MotoRequestHandler; import werkzeug.serving, boto3; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null
}
if ! moto_fits; then
  say "installing moto $moto_version (the DynamoDB-, SES-, S3- and CloudFront-compatible server of the tests) into $infra_tools/moto"
  python3 -m venv "$infra_tools/moto"
  "$infra_tools/moto/bin/pip" install --quiet "moto[server]==$moto_version" boto3
  if ! moto_fits; then
    echo "$MOTO_PYTHON cannot import moto $moto_version after installing it:" >&2
    "$MOTO_PYTHON" -c "import moto; print(moto.__version__); from moto.server import DomainDispatcherApplication; from moto.moto_server.werkzeug_app import MotoRequestHandler" >&2 || true
    exit 1
  fi
fi
# That virtualenv's moto_server (the browser tests start it) first on PATH, and nothing
# else of it: its python3 and pip shadow no other.
mkdir -p "$infra_tools/moto-bin"
ln -sf "$infra_tools/moto/bin/moto_server" "$infra_tools/moto-bin/moto_server"
export PATH="$infra_tools/moto-bin:$PATH"
if [ ! -x "$infra_tools/zizmor/bin/zizmor" ]; then
  say "installing zizmor (the GitHub workflows' security audit) into $infra_tools/zizmor"
  python3 -m venv "$infra_tools/zizmor"
  "$infra_tools/zizmor/bin/pip" install --quiet 'zizmor==1.33.1'
fi
infra_path="$infra_tools/sam/bin:$infra_tools/checkov/bin:$infra_tools/guard/bin:$infra_tools/zizmor/bin:$PATH"
# cargo-lambda for the tests that run the Lambda binaries under its emulator; at the end of
# PATH, so that its virtualenv's python3 shadows no other.
export PATH="$PATH:$infra_tools/lambda/bin"

# --- Rust --------------------------------------------------------------------------------
say "cargo fmt --check"
cargo fmt --all -- --check
# One feature set for every step: `site-gen serve` with DynamoDB (`dynamodb`) is what the
# end-to-end test runs, and the binaries below are the ones `cargo test` built. A separate
# `cargo build` would unify features without the dev-dependencies and build the AWS SDK again.
features=(--features site-gen/dynamodb)
say "cargo clippy"
cargo clippy --workspace --all-targets "${features[@]}" --quiet -- -D warnings
say "cargo test"
cargo test --workspace "${features[@]}"

# --- the built site ----------------------------------------------------------------------
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
site_gen="$target_dir/debug/site-gen"
for bin in site-gen form-handler api; do
  [ -x "$target_dir/debug/$bin" ] || { echo "cargo test did not build $bin" >&2; exit 1; }
done
screens="$target_dir/screenshots"
# 2019-03-01: the mini-course application round is open; today: as the site is published now.
for date in 2019-03-01 today; do
  out="$target_dir/site-$date"
  say "site built for $date: Nu HTML checker + axe in Chromium (screenshots in $screens/$date)"
  if [ "$date" = today ]; then "$site_gen" build --output "$out"; else "$site_gen" build --output "$out" --date "$date"; fi
  node site-gen/tests/browser/gate.mjs --dir "$out" --screenshots "$screens/$date"
done

say "application forms in Chromium: same errors as the Rust validator, summary, focus, sending"
node site-gen/tests/browser/form-test.mjs --dir "$target_dir/site-2019-03-01" --today-dir "$target_dir/site-today"
say "application forms end to end: site-gen serve + form handler + DynamoDB (moto) in Chromium"
node site-gen/tests/browser/api-e2e.mjs --stack serve --site-gen "$target_dir/debug/site-gen" --form-handler "$target_dir/debug/form-handler"
say "application forms end to end as deployed: CloudFront-shaped server + the api Lambda binary (its runtime API and Function URL: lambda-runtime.mjs) + moto, in Chromium"
node site-gen/tests/browser/api-e2e.mjs --stack lambda --site "$target_dir/site-today" --lambda "$target_dir/debug/api" --form-handler "$target_dir/debug/form-handler"

say "the gate itself fails on a broken site"
node site-gen/tests/browser/selftest.mjs

say "live preview in Chromium: edit, break, fix"
node site-gen/tests/browser/serve-test.mjs --bin "$site_gen"
say "the preview's mails in Chromium: .eml files, /_mail/, axe, Nu, editing the words"
node site-gen/tests/browser/mail-test.mjs --bin "$site_gen"

say "deployment and workflows, offline: cfn-lint, checkov, cfn-guard, sam validate, CloudFront functions, deploy --dry-run, actionlint, zizmor"
PATH="$infra_path" infra/check --site "$target_dir/site-today"

say "all tests and gates passed"
