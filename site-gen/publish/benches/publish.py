#!/usr/bin/env python3
"""Publishing benchmark: site-publish against moto's S3 and CloudFront on a generated corpus.

    python3 site-gen/publish/benches/publish.py [--pages 10000] [--runs 5] [--real-site]

A corpus of N pages (../shared/bench/make_corpus.py --site-gen) is published once into an
empty bucket; then each round edits one page and runs, interleaved (the order alternating),
`site-gen build` into a folder on /dev/shm (the build alone) and `site-publish local` (an
editor's publish: build in memory, compare with the manifest, upload what changed). Each run
is timed as a whole process, with its peak memory, by GNU time (/usr/bin/time). The S3 and CloudFront
requests of each publish are counted from moto's request log (form-handler/tests/it/serial_moto.py --log).

--real-site: the repository's own site, published twice for the same day (an unchanged day):
the requests of the second run.

Targets (exit 1 when missed): one page edited: at most 10 requests to S3 and 1 invalidation;
publish wall <= 1.5 x the build alone's, peak memory <= 1.5 x (medians); an unchanged day of
the real site: at most 3 requests to S3 and none to CloudFront.

Binaries: SITE_GEN_BIN and SITE_PUBLISH_BIN (default: <target>/release/site-gen and
site-publish; `cargo build --release -p site-gen -p site-publish`). moto and boto3:
pip install 'moto[server]'.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
SHARED = REPO.parent / "shared"


def target_dir():
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return Path(json.loads(out)["target_directory"])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd, env):
    """Runs cmd under GNU time; (wall seconds, peak MiB). Fails loudly on a non-zero exit.
    (wait4's ru_maxrss would count the Python process the child was forked from.)"""
    with tempfile.NamedTemporaryFile("r") as out:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", out.name, *map(str, cmd)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr}")
        wall, peak_kib = out.read().split()[-2:]
    return float(wall), int(peak_kib) / 1024


class Moto:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "form-handler/tests/it/serial_moto.py"), "127.0.0.1", str(self.port), "--log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.1)
        sys.exit("moto did not start")

    def requests(self, clear=True):
        with urllib.request.urlopen(f"{self.endpoint}/_requests") as r:
            log = json.load(r)
        if clear:
            urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/_requests", method="DELETE")).read()
        s3 = sum(1 for m, p, q in log if not p.startswith("/2020-05-31/"))
        cf = sum(1 for m, p, q in log if p.startswith("/2020-05-31/") and m == "POST")
        return s3, cf

    def env(self):
        env = dict(os.environ)
        env.update(AWS_ENDPOINT_URL_S3=self.endpoint, AWS_ENDPOINT_URL_CLOUDFRONT=self.endpoint,
                   AWS_REGION="eu-north-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_EC2_METADATA_DISABLED="true")
        return env

    def stack(self, bucket):
        import boto3
        kw = dict(endpoint_url=self.endpoint, region_name="eu-north-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
        boto3.client("s3", **kw).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
        cf = boto3.client("cloudfront", **kw)
        dist = cf.create_distribution(DistributionConfig={
            "CallerReference": bucket, "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": f"{bucket}.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})
        self.requests()
        return dist["Distribution"]["Id"]

    def stop(self):
        self.proc.kill()


def init_ms(binary, env, runs=11):
    """Median milliseconds from starting the publisher binary to its first call for work
    (GET .../invocation/next on a runtime API of our own): its init, on this machine."""
    import http.server
    import threading
    first = []

    class Runtime(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            first.append(time.perf_counter())
            time.sleep(5)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
               AWS_LAMBDA_FUNCTION_NAME="publisher", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1769",
               AWS_LAMBDA_FUNCTION_VERSION="1", SITE_BUCKET="site", SNAPSHOT_BUCKET="snapshots",
               DISTRIBUTION_ID="E1", SITE_URL="https://dagtilbud.example.dk")
    times = []
    for _ in range(runs):
        first.clear()
        start = time.perf_counter()
        proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not first and proc.poll() is None:
            time.sleep(0.0005)
        if not first:
            sys.exit("the publisher exited before asking for work")
        times.append((first[0] - start) * 1000)
        proc.kill()
        proc.wait()
    server.shutdown()
    return statistics.median(times)


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--real-site", action="store_true")
    ap.add_argument("--lambda", dest="lambda_", action="store_true",
                    help="the publisher's init (release binary, this machine) and its arm64 zip's size "
                         "(cargo lambda build --release --arm64 --output-format zip -p site-publish --bin publisher)")
    args = ap.parse_args()
    target = target_dir()
    site_gen = os.environ.get("SITE_GEN_BIN", str(target / "release/site-gen"))
    publish = os.environ.get("SITE_PUBLISH_BIN", str(target / "release/site-publish"))
    moto = Moto()
    failures = []
    work = Path(tempfile.mkdtemp(prefix="publish-bench-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        env = moto.env()
        if args.lambda_:
            ms = init_ms(str(target / "release/publisher"), env)
            print(f"publisher init (x86_64 release binary, median of 11): {ms:.1f} ms")
            if ms > 50:
                failures.append(f"init {ms:.1f} ms")
            zipped = target / "lambda/publisher/bootstrap.zip"
            if zipped.exists():
                size = zipped.stat().st_size
                print(f"publisher arm64 bootstrap.zip: {size:,} bytes")
                if size > 6_000_000:
                    failures.append(f"zip {size:,} bytes")
            else:
                failures.append(f"no {zipped}: build it first")
        if args.real_site:
            dist = moto.stack("real")
            cmd = [publish, "local", "--root", str(REPO), "--bucket", "real", "--distribution", dist,
                   "--date", "2019-03-01"]
            timed(cmd, env)
            moto.requests()
            for verify in (False, True):
                wall, peak = timed(cmd + (["--verify"] if verify else []), env)
                s3, cf = moto.requests()
                print(f"real site, unchanged day{' (nightly: verify)' if verify else ''}: {s3} S3 requests, "
                      f"{cf} invalidations, {wall * 1000:.0f} ms, {peak:.0f} MiB")
                if s3 > 3 or cf:
                    failures.append(f"unchanged day: {s3} S3 requests, {cf} invalidations")
        corpus = work / "corpus"
        subprocess.run([sys.executable, str(SHARED / "bench/make_corpus.py"), "--pages", str(args.pages),
                        "--out", str(corpus), "--site-gen", "--clean"], check=True, stdout=subprocess.DEVNULL)
        dist = moto.stack("bench")
        date = "2026-12-07"
        pub = [publish, "local", "--root", str(corpus), "--bucket", "bench", "--distribution", dist, "--date", date]
        build = [site_gen, "build", "--root", str(corpus), "--output", str(work / "public"), "--date", date]
        wall, peak = timed(pub, env)
        s3, cf = moto.requests()
        print(f"{args.pages} pages, first publish: {s3} S3 requests, {cf} invalidation, {wall:.2f} s, {peak:.0f} MiB")
        timed(build, env)
        pages = sorted((corpus / "content").rglob("*.md"))
        pages = [p for p in pages if not p.name.startswith("_")]
        walls = {"build": [], "publish": []}
        peaks = {"build": [], "publish": []}
        requests = []
        for i in range(args.runs):
            page = pages[(i * 997) % len(pages)]
            page.write_text(page.read_text() + f"\nRettet i runde {i}.\n")
            order = ["build", "publish"] if i % 2 == 0 else ["publish", "build"]
            for what in order:
                wall, peak = timed(build if what == "build" else pub, env)
                walls[what].append(wall)
                peaks[what].append(peak)
                if what == "publish":
                    requests.append(moto.requests())
            print(f"round {i + 1}: build {walls['build'][-1]:.3f} s {peaks['build'][-1]:.0f} MiB, "
                  f"publish {walls['publish'][-1]:.3f} s {peaks['publish'][-1]:.0f} MiB, "
                  f"{requests[-1][0]} S3 requests, {requests[-1][1]} invalidation")
        wb, wp = median(walls["build"]), median(walls["publish"])
        pb, pp = median(peaks["build"]), median(peaks["publish"])
        ratios = sorted(p / b for p, b in zip(walls["publish"], walls["build"]))
        print(f"\n{args.pages} pages, one page edited, median of {args.runs} interleaved rounds:")
        print(f"  build alone {wb:.3f} s, {pb:.0f} MiB; publish {wp:.3f} s, {pp:.0f} MiB")
        print(f"  publish/build: wall {wp / wb:.2f} (median of rounds' ratios {median(ratios):.2f}), "
              f"peak {pp / pb:.2f}")
        print(f"  requests per publish: S3 max {max(r[0] for r in requests)}, invalidations max {max(r[1] for r in requests)}")
        if max(r[0] for r in requests) > 10:
            failures.append("more than 10 S3 requests for one edited page")
        if max(r[1] for r in requests) > 1:
            failures.append("more than 1 invalidation for one edited page")
        if median(ratios) > 1.5:
            failures.append(f"publish wall {median(ratios):.2f} x the build's")
        if pp / pb > 1.5:
            failures.append(f"publish peak memory {pp / pb:.2f} x the build's")
    finally:
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print(f"MISSED: {f}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
