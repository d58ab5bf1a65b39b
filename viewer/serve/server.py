"""Serving the viewer: the Panel server the ``hip-viewer`` command runs.

The server listens before anything is printed, so the printed URL is always ready to open.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Sequence

from viewer.serve.query import query_repair_provider

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ALL_INTERFACES = ("0.0.0.0", "::", "")


class ServeError(Exception):
    """The server could not start (port in use, address not available); a one-line reason."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the system's choice for port 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def websocket_origins(host: str, port: int) -> list[str]:
    """Origins whose pages may open the app's websocket.

    On a loopback address only this machine's own names; on every interface (a classroom
    network) any origin, since students reach it by whatever address the network gives.
    """
    if host in ALL_INTERFACES:
        return ["*"]
    names = {host, "127.0.0.1", "localhost"}
    return sorted(f"{name}:{port}" for name in names)


def network_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (what students type), best effort."""
    found: list[str] = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=2).stdout
        found = out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    if not found:
        try:
            found = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
        except OSError:
            found = []
    addresses = []
    for address in found:
        if "." in address and not address.startswith("127.") and address not in addresses:
            addresses.append(address)
    return addresses


def display_urls(host: str, port: int) -> list[str]:
    """URLs to print: the one to open on this machine, and on every interface the network ones."""
    if host in ALL_INTERFACES:
        return [f"http://127.0.0.1:{port}/"] + [f"http://{a}:{port}/" for a in network_addresses()]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}/"]


def _describe_bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host}; choose another with --port (0 picks a free one)"
    if exc.errno == errno.EACCES:
        return f"port {port} needs more privileges than this user has; choose a port above 1023 with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"address {host} is not available on this machine; check --host"
    if isinstance(exc, socket.gaierror):
        return f"host {host!r} could not be resolved; check --host"
    return f"could not listen on {host}:{port}: {exc.strerror or exc}"


def make_server(host: str = "127.0.0.1", port: int = 5006, content_dirs: Sequence[str] = (),
                show: bool = False, tour_file: str | None = None):
    """A bokeh ``Server`` (not yet started) serving the viewer at ``/``.

    Raises :class:`ServeError` with a one-line reason when the address cannot be bound.
    """
    import panel as pn

    from viewer.app import create_app

    dirs = tuple(str(d) for d in content_dirs)
    if port == 0:
        try:
            port = free_port(host)
        except OSError as exc:
            raise ServeError(_describe_bind_error(exc, host, port)) from None

    def session():
        return create_app(content_dirs=dirs, tour_file=tour_file)

    # Serving every interface allows any origin on purpose; say so once, without a log warning.
    logging.getLogger("bokeh.server.util").setLevel(logging.ERROR)
    try:
        server = pn.serve(
            {"/": session},
            port=port,
            address=host,
            websocket_origin=websocket_origins(host, port),
            show=show,
            start=False,
            title="Hip anatomy viewer",
            verbose=False,
            auth_provider=query_repair_provider(),
        )
    except OSError as exc:
        raise ServeError(_describe_bind_error(exc, host, port)) from None
    return server


def serve(host: str = "127.0.0.1", port: int = 5006, content_dirs: Sequence[str] = (),
          show: bool = False, out=None, presenter_key: str | None = None,
          tour_file: str | None = None) -> None:
    """Serve the viewer until interrupted; prints the URL once the server listens, then the
    presenter's link and the followers' link (:mod:`viewer.follow`)."""
    from viewer import follow

    out = out or sys.stdout
    hub = follow.configure(presenter_key or os.environ.get(follow.KEY_ENV) or None)
    server = make_server(host, port, content_dirs, show=show, tour_file=tour_file)
    urls = display_urls(host, server.port)
    print(f"Hip anatomy viewer: {urls[0]}", file=out, flush=True)
    for url in urls[1:]:
        print(f"On this network: {url}", file=out, flush=True)
    print(f"Presenter link (keep it to yourself): {follow.presenter_url(urls[0], hub.key)}",
          file=out, flush=True)
    print(f"Students follow the presenter at: {follow.follower_url(urls[-1])}", file=out, flush=True)
    if host in ALL_INTERFACES:
        print("Serving every network interface: anyone who can reach this machine can open the viewer.",
              file=out, flush=True)
    print("Press Ctrl+C to stop.", file=out, flush=True)
    from viewer.scene.shared import warm_up

    warm_up()  # build the shared scene now, so the first reader does not wait for it
    server.start()
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
