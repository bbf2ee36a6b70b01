"""The body of benches/notify.sh (see there): notify --once against moto's own rate for the
same calls, and the Lambda binaries' start to ready. Reads BIN, NOTIFIER, API, N and ROUNDS
from the environment."""

import http.server
import json
import os
import socket
import statistics
import subprocess
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

BIN = os.environ.get("BIN", "")
NOTIFIER = os.environ.get("NOTIFIER", "")
API = os.environ.get("API", "")
N = int(os.environ.get("N", "1000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
TABLE = "applications"
SENDER = "ansoegninger@dagtilbud.example.dk"
REGION = "eu-central-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": REGION}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


class Moto:
    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 120
        while True:
            try:
                client("dynamodb", self.endpoint).list_tables()
                return
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def sent(self):
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json") as r:
            return json.load(r)["ses"]["RawMessage"]


def application(i):
    reference = f"B{i // 1000:02d}-{i % 1000:03d}-XYZ"
    fields = {
        "ansoegertype": {"S": "selvejende"},
        "institution": {"S": f"Børnehuset nummer {i}"},
        "cvr": {"S": "10103940"},
        "kommune": {"S": "101"},
        "adresse": {"S": "Rådhuspladsen 1"},
        "postnummer": {"S": "1550"},
        "by": {"S": "København"},
        "kontakt_navn": {"S": f"Anne Sørensen {i}"},
        "kontakt_stilling": {"S": "Dagtilbudsleder"},
        "kontakt_email": {"S": f"anne{i}@example.dk"},
        "kontakt_telefon": {"S": "+4522334455"},
        "udfordring": {"S": "Vi vil styrke læringsmiljøerne for børn i udsatte positioner i vores dagtilbud."},
        "ledelsesopbakning": {"BOOL": True},
        "bestyrelsesopbakning": {"BOOL": True},
        "privatliv": {"BOOL": True},
    }
    at = "2019-03-01T09:05:00Z"
    return {
        "pk": {"S": f"APP#{reference}"},
        "reference": {"S": reference},
        "form_id": {"S": "minivejledning"},
        "form_version": {"N": "2"},
        "round": {"S": "2019-03"},
        "received_at": {"S": at},
        "fields": {"M": fields},
        "privacy_notice_version": {"S": "2026-11-30"},
        "idempotency_key": {"S": f"client:bench-{i}"},
        "content_hash": {"S": f"{i:032x}"},
        "expires_at": {"N": "1614589500"},
        "gsi1pk": {"S": "FORM#minivejledning"},
        "gsi1sk": {"S": f"2019-03#{at}#{reference}"},
    }


def seed(moto):
    ddb = client("dynamodb", moto.endpoint)
    ddb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    client("sesv2", moto.endpoint).create_email_identity(EmailIdentity=SENDER)
    for i in range(N):
        ddb.put_item(TableName=TABLE, Item=application(i))


def notify_env(moto):
    """The environment `form-handler notify` runs with against `moto`."""
    return {
        "PATH": os.environ["PATH"],
        **CREDENTIALS,
        "APPLICATIONS_TABLE": TABLE,
        "MAIL_FROM": SENDER,
        "SITE_URL": "https://dagtilbud.example.dk",
        "AWS_ENDPOINT_URL_DYNAMODB": moto.endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": moto.endpoint,
        "AWS_ENDPOINT_URL_SESV2": moto.endpoint,
        "RUST_LOG": "warn",
    }


def run_notify(moto):
    env = notify_env(moto)
    t0 = time.perf_counter()
    done = subprocess.run([BIN, "notify", "--once"], env=env, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"notify --once exited with {done.returncode}:\n{done.stderr[-2000:]}")
    seconds = time.perf_counter() - t0
    sent = moto.sent()
    assert len(sent) == 2 * N, f"{len(sent)} mails sent, want {2 * N}"
    return seconds, [m["raw_data"] for m in sent]


def run_script(moto, raws):
    ddb = client("dynamodb", moto.endpoint)
    streams = client("dynamodbstreams", moto.endpoint)
    ses = client("sesv2", moto.endpoint)
    t0 = time.perf_counter()
    # The stream, as notify reads it.
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        it = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            it = page.get("NextShardIterator") if page["Records"] else None
    # Per application: the marks, two mails, two marks.
    for i in range(N):
        key = {"pk": {"S": f"APP#{application(i)['reference']['S']}"}}
        ddb.get_item(
            TableName=TABLE,
            Key=key,
            ConsistentRead=True,
            ProjectionExpression="#c, #r",
            ExpressionAttributeNames={"#c": "mail_caseworkers", "#r": "mail_receipt"},
        )
        for kind, raw in (("caseworkers", raws[2 * i]), ("receipt", raws[2 * i + 1])):
            out = ses.send_email(FromEmailAddress=SENDER, Content={"Raw": {"Data": raw.encode()}})
            ddb.update_item(
                TableName=TABLE,
                Key=key,
                UpdateExpression="SET #m = :m",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#m)",
                ExpressionAttributeNames={"#m": f"mail_{kind}"},
                ExpressionAttributeValues={":m": {"S": f"sent {out['MessageId']}"}},
            )
    return time.perf_counter() - t0


def start_to_ready(binary, env, times=10):
    """Milliseconds from exec to the first request for an event, under a stand-in runtime API."""
    results = []
    for _ in range(times):
        first = threading.Event()
        stamp = {}

        class Api(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.endswith("/runtime/invocation/next") and not first.is_set():
                    stamp["t"] = time.perf_counter()
                    first.set()
                time.sleep(5)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [binary],
            env={**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}", "AWS_LAMBDA_FUNCTION_NAME": "bench", "AWS_LAMBDA_FUNCTION_VERSION": "1", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ok = first.wait(10)
        proc.kill()
        proc.wait()
        server.shutdown()
        assert ok, f"{binary} never asked for an event"
        results.append((stamp["t"] - t0) * 1000)
    return statistics.median(results), max(results)


def main():
    notify_times, script_times = [], []
    raws = None
    for r in range(ROUNDS):
        for side in ("notify", "script"):
            moto = Moto()
            try:
                seed(moto)
                if side == "notify":
                    seconds, raws = run_notify(moto)
                    notify_times.append(seconds)
                else:
                    script_times.append(run_script(moto, raws))
            finally:
                moto.stop()
        print(f"round {r + 1}: notify {notify_times[-1]:.2f} s, script {script_times[-1]:.2f} s", flush=True)
    a, b = statistics.median(notify_times), statistics.median(script_times)
    print(f"notify --once over {N} applications: median {a:.2f} s; the same calls by a plain script: {b:.2f} s; ratio {a / b:.2f} (target <= 1.20)")
    env = {**CREDENTIALS, "APPLICATIONS_TABLE": TABLE, "MAIL_FROM": SENDER, "SITE_URL": "https://dagtilbud.example.dk"}
    for name, binary in (("notifier", NOTIFIER), ("api", API)):
        median, worst = start_to_ready(binary, env)
        print(f"start to ready, {name} (release, x86_64): median {median:.1f} ms, max {worst:.1f} ms (target <= 30 ms)")
    if a / b > 1.2:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
