"""What hostile client text could make WeasyPrint fetch, and a server that notices if it does."""

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def _pixel() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "red").save(buffer, "PNG")
    return buffer.getvalue()


# A 1x1 PNG: what a server would hand WeasyPrint if it ever asked for an image.
PIXEL = _pixel()


class RecordingServer:
    """A tiny HTTP server on 127.0.0.1 that answers everything and remembers each request."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                body, kind = (
                    (b"body { background: red }", "text/css")
                    if self.path.endswith(".css")
                    else (PIXEL, "image/png")
                )
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                """Quiet: the test reads ``hits`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


def hostile_text(server_url: str) -> str:
    """Client text that would load a local file and an internal address if it became markup."""
    return (
        f'<img src="file:///etc/passwd"><img src="{server_url}/answer.png">'
        f'<link rel="stylesheet" href="{server_url}/linked.css">'
        f"<style>@import url({server_url}/imported.css); "
        f"body {{ background: url({server_url}/background.png) }}</style>"
        f'<div style="background-image: url(file:///etc/hostname)">x</div>'
    )
