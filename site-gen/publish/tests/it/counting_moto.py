"""moto's server, answering one request at a time and keeping a log of the requests it
got, so that the tests count S3 and CloudFront requests by kind.

    python3 counting_moto.py HOST PORT

GET /_requests answers the log as JSON ([method, path, query] each); DELETE /_requests
empties it. Nothing else is changed in moto's own application.
"""

import json
import signal
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

try:  # moto 5.2.6 and later keep S3 metadata headers with underscores; older, werkzeug's
    from moto.moto_server.werkzeug_app import MotoRequestHandler
except ImportError:
    from werkzeug.serving import WSGIRequestHandler as MotoRequestHandler


class Counting:
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
    app = Counting(DomainDispatcherApplication(create_backend_app))
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
