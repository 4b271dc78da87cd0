#!/usr/bin/env python3
"""A minimal local `_bulk` sink for the shipping benchmark: accepts every body
and answers the way Elasticsearch does, one `create` item per document with
the `_id` it was sent (logship counts nothing else as delivered), and prints its
URL. Standard library only; listens on 127.0.0.1, an ephemeral port unless one
is given.

  python3 scripts/bulk_sink.py [PORT]
"""
import http.server
import sys
import zlib


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answer at once: without this, Nagle's algorithm holds the response body
    # back until the client's delayed ACK, and the benchmark measures that wait.
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        remaining = length
        chunks = []
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if "gzip" in self.headers.get("Content-Encoding", ""):
            data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
        items = []
        # Action lines are logship's own `{"create":{"_index":"...","_id":"..."}}`:
        # the `_id` is found without parsing the documents.
        for line in data.split(b"\n")[0::2]:
            at = line.find(b'"_id":"')
            if at < 0:
                continue
            end = line.find(b'"', at + 7)
            items.append(b'{"create":{"_id":"' + line[at + 7:end] + b'","status":201}}')
        body = b'{"took":1,"errors":false,"items":[' + b",".join(items) + b"]}"
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
