"""The body of benches/sweep.sh (see there). Reads BIN, N and RUNS from the environment."""

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from notify_bench import SENDER, TABLE, Moto, application, client, notify_env  # noqa: E402

BIN = os.environ["BIN"]
N = int(os.environ["N"])
RUNS = int(os.environ["RUNS"])


def create_table(ddb):
    """The table as form_handler::store::dynamo creates it (both indexes)."""
    attr = lambda name: {"AttributeName": name, "AttributeType": "S"}  # noqa: E731
    ddb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[attr("pk"), attr("gsi1pk"), attr("gsi1sk"), attr("mail_pending"), attr("received_at")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "form_round",
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "mails_pending",
                "KeySchema": [{"AttributeName": "mail_pending", "KeyType": "HASH"}, {"AttributeName": "received_at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def seed(moto):
    """N applications whose two mails are sent: marked, no pending flag."""
    ddb = client("dynamodb", moto.endpoint)
    create_table(ddb)
    client("sesv2", moto.endpoint).create_email_identity(EmailIdentity=SENDER)
    items = []
    for i in range(N):
        item = application(i)
        item["mail_caseworkers"] = {"S": f"sent bench-{i}-c"}
        item["mail_receipt"] = {"S": f"sent bench-{i}-r"}
        items.append({"PutRequest": {"Item": item}})
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={TABLE: items[start : start + 25]})
    return ddb


def size(value):
    """An attribute value's size as DynamoDB counts it (close enough for a read-unit estimate)."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(v) // 2 + 1
    if kind == "BOOL":
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + size(x) for k, x in v.items())
    raise ValueError(kind)


def item_size(item):
    return sum(len(k.encode()) + size(v) for k, v in item.items())


def sweep(moto):
    env = notify_env(moto)
    t0 = time.perf_counter()
    done = subprocess.run([BIN, "notify", "--sweep"], env=env, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0 or "Sent 0 mails" not in done.stderr:
        raise SystemExit(f"notify --sweep exited with {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds


def main():
    moto = Moto()
    try:
        ddb = seed(moto)
        times = [sweep(moto) for _ in range(RUNS)]
        query = ddb.query(
            TableName=TABLE,
            IndexName="mails_pending",
            KeyConditionExpression="mail_pending = :due",
            ExpressionAttributeValues={":due": {"S": "due"}},
            ReturnConsumedCapacity="TOTAL",
        )
        scan = ddb.scan(TableName=TABLE, ReturnConsumedCapacity="TOTAL", Select="COUNT")
        pages, scanned_units, key = 1, scan["ConsumedCapacity"]["CapacityUnits"], scan.get("LastEvaluatedKey")
        while key:
            scan = ddb.scan(TableName=TABLE, ReturnConsumedCapacity="TOTAL", Select="COUNT", ExclusiveStartKey=key)
            pages, key = pages + 1, scan.get("LastEvaluatedKey")
            scanned_units += scan["ConsumedCapacity"]["CapacityUnits"]
    finally:
        moto.stop()
    assert query["Count"] == 0, query["Count"]
    print(f"notify --sweep over {N} stored applications, nothing due: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms of {RUNS} (release binary, moto)")
    print(f"the sweep's Query of mails_pending: {query['Count']} items, {query['ConsumedCapacity']['CapacityUnits']} read units (moto); DynamoDB charges 0.5 (its minimum)")
    total = sum(item_size(application(i)) + 2 * 30 for i in range(N))
    print(f"a Scan of the table instead: {pages} pages, {scanned_units} read units (moto); DynamoDB: {total / 1e6:.1f} MB, about {-(-total // 4096) * 0.5:.0f} read units")


if __name__ == "__main__":
    main()
