#!/usr/bin/env bash
# form-handler speed and size, measured the way the README reports them:
#   1. HTTP throughput of the local server with the in-memory store (target >= 5,000
#      valid submissions/s), with wrk, each request a new application (its own
#      Idempotency-Key);
#   2. the same against DynamoDB (moto), compared with moto's own PutItem rate measured
#      in the same run (target >= 90%);
#   3. start to ready (target <= 30 ms): from exec to the first answered request.
# Usage: form-handler/benches/load.sh [--seconds N]   (release build; installs wrk if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=10
[ "${1:-}" = "--seconds" ] && SECONDS_PER_RUN=$2
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v moto_server >/dev/null || python3 -m pip install -q 'moto[server]'
cargo build --release -q -p form-handler
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/release/form-handler"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.02; done; echo "port $1 did not open" >&2; return 1; }

body='{"ansoegertype":"kommune","cvr":"10103940","kommune":"101","adresse":"Rådhuspladsen 1","postnummer":"1550","by":"København","kontakt_navn":"Anne Sørensen","kontakt_stilling":"Dagtilbudschef","kontakt_email":"anne@example.dk","kontakt_telefon":"22 33 44 55","udfordring":"Vi vil styrke læringsmiljøerne for børn i udsatte positioner i vores dagtilbud.","ledelsesopbakning":"on","privatliv":"on"}'
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = [[$body]]
local counter = 0
local thread_id = 0
function setup(thread) thread:set("id", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = "bench-" .. id .. "-" .. counter
  return wrk.format(nil, "/api/applications/minivejledning")
end
response = function(status) if status ~= 201 then io.stderr:write("status " .. status .. "\n") end end
LUA

run_wrk() { wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" -s "$work/post.lua" "http://127.0.0.1:$1" 2>"$work/wrk.err" | awk '/Requests\/sec/ {print $2}'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

# 1. in-memory store
port=$(free_port)
RATE_LIMIT_PER_MINUTE=1000000000 "$bin" serve --bind "127.0.0.1:$port" --date 2019-03-01 --store :memory: 2>/dev/null & pids+=($!)
wait_port "$port"
mem_rate=$(run_wrk "$port")
bad=$(sort "$work/wrk.err" | uniq -c | head -3)
echo "local server, in-memory store: $mem_rate submissions/s ${bad:+(non-201: $bad)}"

# 3. start to ready (release binary, in-memory store)
ready=$(python3 - "$bin" <<'PY'
import socket, subprocess, sys, time, statistics, os
times = []
for _ in range(10):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.argv[1], "serve", "--bind", f"127.0.0.1:{port}", "--store", ":memory:"], stderr=subprocess.DEVNULL)
    while True:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=0.05)
            c.sendall(b"GET /api/applications/minivejledning HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if c.recv(12).startswith(b"HTTP/1.1 405"):
                break
        except OSError:
            time.sleep(0.0005)
    times.append((time.perf_counter() - t0) * 1000)
    p.kill(); p.wait()
print(f"{statistics.median(times):.1f} ms median of 10 (max {max(times):.1f} ms)")
PY
)
echo "start to ready: $ready"

# 2. DynamoDB (moto): the handler vs moto's own PutItem rate
mport=$(free_port)
moto_server -H 127.0.0.1 -p "$mport" >/dev/null 2>&1 & pids+=($!)
wait_port "$mport"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$mport" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-central-1 APPLICATIONS_TABLE=bench
port=$(free_port)
RATE_LIMIT_PER_MINUTE=1000000000 "$bin" serve --bind "127.0.0.1:$port" --date 2019-03-01 2>/dev/null & pids+=($!)
wait_port "$port"
sleep 0.5
handler_rate=$(run_wrk "$port")
moto_rate=$(python3 - "$mport" "$SECONDS_PER_RUN" <<'PY'
# moto's own PutItem rate: the same number of concurrent HTTP clients (32) putting items
# of the same size, with the AWS JSON protocol (no SDK overhead in the way).
import json, sys, threading, time, http.client
port, seconds = int(sys.argv[1]), float(sys.argv[2])
item = {"pk": {"S": ""}, "fields": {"S": "x" * 600}}
count = [0]; lock = threading.Lock(); stop = time.time() + seconds
def worker(n):
    c = http.client.HTTPConnection("127.0.0.1", port); i = 0
    while time.time() < stop:
        i += 1; item["pk"]["S"] = f"BENCH#{n}#{i}"
        body = json.dumps({"TableName": "bench", "Item": item})
        c.request("POST", "/", body, {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem",
                  "Authorization": "AWS4-HMAC-SHA256 Credential=test/20190301/eu-central-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x"})
        r = c.getresponse(); r.read()
        if r.status == 200:
            with lock: count[0] += 1
threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"{count[0] / seconds:.1f}")
PY
)
echo "DynamoDB (moto): handler $handler_rate submissions/s; moto's own PutItem $moto_rate items/s; ratio $(python3 -c "print(f'{float(\"$handler_rate\")/float(\"$moto_rate\")*100:.0f}%')")"
