"""deploy/varnish/two-backends.vcl: one Varnish, two app servers, round robin.

Two small HTTP servers stand in for the app servers, each answering with
its own name; Varnish runs the shipped file (which includes newsroom.vcl)
with their loopback addresses. Like tests/test_edge_varnish.py it skips
without varnishd, except when ``CI`` is set.
"""

import http.server
import subprocess
import threading
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for
from tests.test_edge_varnish import PURGE_SECRET, fetch, render_vcl, stop, varnish_tools

pytestmark = pytest.mark.edge

TWO_BACKENDS = Path(__file__).resolve().parent.parent / "deploy" / "varnish" / "two-backends.vcl"


class AppServer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = self.server.name.encode()
        self.send_response(200)
        # Personal: Varnish must ask an app server every time.
        self.send_header("Cache-Control", "private")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def render_two_backends(ports):
    text = TWO_BACKENDS.read_text()
    for host, port in zip(("10.0.0.11", "10.0.0.12"), ports, strict=True):
        block = f'    .host = "{host}";\n    .port = "8000";'
        assert text.count(block) == 1, f"{TWO_BACKENDS.name} no longer has {block!r} once; update this test"
        text = text.replace(block, f'    .host = "127.0.0.1";\n    .port = "{port}";')
    return text


@pytest.fixture
def app_servers():
    servers = []
    for name in ("app1", "app2"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AppServer)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def test_requests_are_shared_between_the_two_app_servers(tmp_path, app_servers):
    varnishd, _varnishstat = varnish_tools()
    ports = [server.server_address[1] for server in app_servers]
    (tmp_path / "newsroom.vcl").write_text(render_vcl(free_port(), PURGE_SECRET))
    vcl = tmp_path / "two-backends.vcl"
    vcl.write_text(render_two_backends(ports))
    port = free_port()
    log = tmp_path / "varnishd.log"
    command = [varnishd, "-F", "-j", "none", "-n", str(tmp_path), "-a", f"127.0.0.1:{port}", "-f", str(vcl)]
    varnish = subprocess.Popen([*command, "-s", "malloc,16m"], stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(port, varnish, log)
        answers = [fetch(port, "/") for _ in range(6)]
        purge = fetch(port, "/", method="PURGE", headers={"xkey-purge": "site", "X-Purge-Token": PURGE_SECRET})
    finally:
        stop(varnish)

    assert [answer.status for answer in answers] == [200] * 6
    served_by = [answer.text for answer in answers]
    assert served_by.count("app1") == served_by.count("app2") == 3
    assert served_by[0] != served_by[1]  # round robin, one after the other
    assert {answer.cache for answer in answers} == {"PASS"}  # newsroom.vcl's rules still apply
    assert purge.status == 200
