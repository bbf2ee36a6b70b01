#!/usr/bin/env bash
# The scheduled sweep's cost when nothing is due: `form-handler notify --sweep` over a table
# of N stored applications whose mails are all sent, against moto. Prints the sweep's wall
# time (median of R runs, release binary) and the read units its one Query on the sparse
# index `mails_pending` consumes (moto's ConsumedCapacity, and DynamoDB's rule: 0.5 units per
# 4 KB read, eventually consistent, at least 0.5), beside what a Scan of the table would.
#
# Usage: form-handler/benches/sweep.sh [--applications N] [--runs R]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=10000
RUNS=7
while [ $# -gt 0 ]; do
  case "$1" in
    --applications) N=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    *) echo "usage: $0 [--applications N] [--runs R]" >&2; exit 2 ;;
  esac
done
python3 -c 'import moto.server, boto3' 2>/dev/null || python3 -m pip install -q 'moto[server]'
cargo build --release -q -p form-handler --bin form-handler
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export BIN="$target/release/form-handler" N RUNS
exec python3 form-handler/benches/sweep_bench.py
