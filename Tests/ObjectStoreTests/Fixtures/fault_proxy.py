"""A tiny HTTP proxy that answers the first requests with planned faults, then forwards.

Usage: fault_proxy.py UPSTREAM_PORT LOG_FILE FAULT...   (FAULT: 503, 500 or "drop")
Prints the port it listens on (127.0.0.1; FAULT_PROXY_PORT chooses it, so a proxy stopped to make
the store unreachable can come back at the same address), then serves until killed. Every request is logged to
LOG_FILE as "METHOD PATH ANSWER". While a file LOG_FILE.fault exists, every request gets the fault
it holds (an outage switched on and off by the test). A fault answers 503 SlowDown or 500 InternalError with S3's XML
error body, or closes the connection without answering ("drop").
"""

import http.client
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = int(sys.argv[1])
LOG = sys.argv[2]
FAULTS = list(sys.argv[3:])
LOCK = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with LOCK:
            fault = FAULTS.pop(0) if FAULTS else None
            try:
                # While LOG_FILE.fault exists, every request gets the fault it names.
                with open(LOG + ".fault") as switch:
                    fault = switch.read().strip() or fault
            except FileNotFoundError:
                pass
            with open(LOG, "a") as log:
                log.write(f"{self.command} {self.path} {fault or 'forwarded'}\n")
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault in ("500", "503"):
            code = "SlowDown" if fault == "503" else "InternalError"
            text = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f"<Error><Code>{code}</Code><Message>injected fault</Message>"
                "<RequestId>FAULT0001</RequestId></Error>"
            ).encode()
            self.send_response(int(fault))
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(text)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        upstream.request(self.command, self.path, body=body if length else None, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP and name.lower() != "content-length":
                self.send_header(name, value)
        # A HEAD answer has no body but says how long the object is: pass that on.
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


if __name__ == "__main__":
    # A parent may have left SIGTERM ignored or blocked (both survive exec): stop on it regardless.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("FAULT_PROXY_PORT", "0"))), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
