"""A local news site for the tests of fetching web pages: loopback only, a thread per request,
routes that play a news site and servers that redirect, send too much, too slowly or the
wrong thing. ``serving()`` runs it for a block; ``documents()`` reads a project's documents.
"""

from __future__ import annotations

import contextlib
import gzip
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select

from annotator.extensions import db
from annotator.models import Document, Project

PAGES = Path(__file__).parent / "data" / "pages"
WIRE_TITLE = "Iraq says U.S. combat troops will leave by year-end, trainers to stay"
RU_TITLE = "В Ираке объявили о выводе американских боевых подразделений до конца года"


# --- the local site --------------------------------------------------------------------------

class Site(BaseHTTPRequestHandler):
    """Routes of a news site and of servers that misbehave. HTTP/1.0: the connection closes
    after each answer, so a body without Content-Length ends there."""

    release: threading.Event  # set when the test ends: slow answers give up

    def log_message(self, *args):  # quiet
        pass

    def send(self, status=200, body=b"", kind="text/html; charset=utf-8", length=True,
             **headers):
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = self.path
        port = self.server.server_address[1]
        page = {"/wire": "wire-story.html", "/rt": "rt-footnotes.html", "/live": "live-blog.html",
                "/front": "no-article.html"}
        if path in page:
            return self.send(body=(PAGES / page[path]).read_bytes())
        if path == "/ru":  # the charset is only in the page
            return self.send(body=(PAGES / "ru-cp1251.html").read_bytes(), kind="text/html")
        if path == "/redirect":
            return self.send(302, Location="/wire")
        if path.startswith("/loop/"):
            return self.send(302, Location=f"/loop/{int(path.rsplit('/', 1)[1]) + 1}")
        if path == "/to-ftp":
            return self.send(301, Location="ftp://files.example.org/article.html")
        if path == "/to-ipv6-loopback":
            return self.send(302, Location=f"http://[::1]:{port}/wire")
        if path == "/to-metadata":
            return self.send(307, Location="http://169.254.169.254/latest/meta-data/")
        if path == "/pdf":
            return self.send(body=b"%PDF-1.4 ...", kind="application/pdf")
        if path == "/missing":
            return self.send(404, b"<h1>Not found</h1>")
        if path == "/big":
            return self.send(body=b"<p>" + b"word " * 40_000 + b"</p>")
        if path == "/big-streamed":
            return self.send(body=b"<p>" + b"word " * 40_000 + b"</p>", length=False)
        if path == "/gzip":
            return self.send(body=gzip.compress((PAGES / "wire-story.html").read_bytes()),
                             Content_Encoding="gzip")
        if path == "/gzip-bomb":
            return self.send(body=gzip.compress(b" " * 5_000_000), Content_Encoding="gzip")
        if path == "/brotli":
            return self.send(body=b"\x1b\x00\x00", Content_Encoding="br")
        if path == "/slow":
            self.release.wait(10)
            return self.send(body=(PAGES / "wire-story.html").read_bytes())
        if path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            while not self.release.wait(0.05):
                self.wfile.write(b"<p>")
                self.wfile.flush()
            return None
        return self.send(404, b"<h1>Not found</h1>")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (a time limit) breaks the pipe: expected here


TLS = Path(__file__).parent / "data" / "tls"
CERTIFICATE = TLS / "cert.pem"  # self-signed, for localhost and 127.0.0.1


@contextlib.contextmanager
def serving(tls: bool = False) -> Iterator[str]:
    """The local site, served while the block runs: its base address (127.0.0.1, a free
    port); over HTTPS with ``tls``, with the certificate CERTIFICATE."""
    release = threading.Event()
    handler = type("Handler", (Site,), {"release": release})
    server = Server(("127.0.0.1", 0), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(CERTIFICATE, TLS / "key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def documents(app, slug: str = "news") -> list[Document]:
    with app.app_context():
        rows = db.session.scalars(
            select(Document).join(Project).where(Project.slug == slug).order_by(Document.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows
