#!/usr/bin/env python3
"""A minimal local `_bulk` sink for the shipping benchmark: accepts every body
(answers `"errors": false`), counts bytes, and prints its URL. Standard library
only; listens on 127.0.0.1, an ephemeral port unless one is given.

  python3 scripts/bulk_sink.py [PORT]
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answer at once: without this, Nagle's algorithm holds the response body
    # back until the client's delayed ACK, and the benchmark measures that wait.
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            remaining -= len(chunk)
        body = b'{"took":1,"errors":false,"items":[]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # Headers and body leave in one write (through the handler's header
        # buffer, a CPython detail; without it, two writes).
        if isinstance(getattr(self, "_headers_buffer", None), list):
            self._headers_buffer.append(b"\r\n")
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
