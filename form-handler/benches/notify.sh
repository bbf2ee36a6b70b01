#!/usr/bin/env bash
# `form-handler notify --once` over N stored applications against moto, compared in the same
# run with moto's own time for the same calls made back to back by a plain script (boto3):
# reading the stream, and per application GetItem (the marks), two SendEmail (raw, the very
# messages the notifier sent) and two conditional UpdateItem (the marks). Target: notify at
# most 20 % slower than the script. Each round uses a fresh moto with N seeded applications;
# rounds alternate notify and script (A B A B ...), and the ratio of the medians is printed.
# Also: start to ready of the release binaries under a stand-in Lambda runtime API (from exec
# to the function's first request for an event; target <= 30 ms).
#
# Usage: form-handler/benches/notify.sh [--applications N] [--rounds R]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=1000
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --applications) N=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    *) echo "usage: $0 [--applications N] [--rounds R]" >&2; exit 2 ;;
  esac
done
command -v moto_server >/dev/null || python3 -m pip install -q 'moto[server]==5.2.6'
cargo build --release -q -p form-handler
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export BIN="$target/release/form-handler" NOTIFIER="$target/release/notifier" API="$target/release/api" N ROUNDS
exec python3 form-handler/benches/notify_bench.py
