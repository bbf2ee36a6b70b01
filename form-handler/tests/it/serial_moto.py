"""moto's server, answering one request at a time (the Rust tests' moto).

moto 5's DynamoDB transactions are atomic only while no other request runs:
transact_write_items checks its conditions and writes without a lock, and a cancelled
transaction puts back a copy of the whole table taken when it started, dropping what a
concurrent request wrote meanwhile (moto/dynamodb/models/__init__.py). With the table's
stream on, the copy is slow enough that 32 concurrent posts store several applications.
DynamoDB isolates transactions; answering one request at a time gives the tests that
guarantee, with moto's own application and request handler.

    python3 serial_moto.py HOST PORT [--log]

--log keeps a log of the requests, so that site-publish's tests count S3 and CloudFront
requests by kind: GET /_requests answers it as JSON ([method, path, query] each), DELETE
/_requests empties it. moto's own application is otherwise unchanged.
"""

import json
import signal
import sys

from werkzeug.serving import run_simple

# What moto's own `moto_server` command serves (moto.server), and its request handler, which
# keeps S3 metadata headers with underscores. ./test.sh pins moto (5.2.6) in a virtualenv of
# its own and checks these very imports with the interpreter the tests start ($MOTO_PYTHON).
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.moto_server.werkzeug_app import MotoRequestHandler


class Logged:
    """moto's application, with a log of the requests it got."""

    def __init__(self, app):
        self.app = app
        self.log = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        if path == "/_requests":
            if method == "DELETE":
                self.log.clear()
            body = json.dumps(self.log).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        self.log.append([method, path, environ.get("QUERY_STRING", "")])
        return self.app(environ, start_response)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    if "--log" in sys.argv[3:]:
        app = Logged(app)
    run_simple(
        host,
        port,
        app,
        threaded=False,
        use_reloader=False,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
