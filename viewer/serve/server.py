"""Serving the viewer: the Panel server the ``hip-viewer`` command runs.

The server listens before anything is printed, so the printed URL is always ready to open.
With ``workers > 1`` the listening socket is shared by that many forked processes (Tornado's
``fork_processes`` through bokeh's ``num_procs``); the first of them prints the addresses and
links once, and every one stops when the parent does.  The workers share the presenter
through the Redis server at ``state_url`` (:mod:`viewer.follow_redis`).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit

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


def websocket_origins(host: str, port: int, public_urls: Sequence[str] = ()) -> list[str]:
    """Origins whose pages may open the app's websocket: exactly the addresses the server
    prints (:func:`display_urls`, and ``public_urls``, the addresses of a proxy in front)."""
    return sorted({_origin(url) for url in [*display_urls(host, port), *public_urls]})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


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
                show: bool = False, tour_file: str | None = None, workers: int = 1,
                public_urls: Sequence[str] = ()):
    """A bokeh ``Server`` (not yet started) serving the viewer at ``/``.

    With ``workers > 1`` this forks: it returns in each of the worker processes (the parent
    supervises them and never returns).  With ``public_urls`` (a proxy in front) the client
    address comes from the proxy's ``X-Real-IP``/``X-Forwarded-For`` headers.
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

    logging.getLogger("bokeh.server.util").setLevel(logging.ERROR)
    extra = {"num_procs": workers} if workers > 1 else {}
    try:
        server = pn.serve(
            {"/": session},
            port=port,
            address=host,
            websocket_origin=websocket_origins(host, port, public_urls),
            show=show,
            start=False,
            title="Hip anatomy viewer",
            verbose=False,
            use_xheaders=bool(public_urls),
            auth_provider=query_repair_provider(),
            **extra,
        )
    except OSError as exc:
        raise ServeError(_describe_bind_error(exc, host, port)) from None
    return server


def serve(host: str = "127.0.0.1", port: int = 5006, content_dirs: Sequence[str] = (),
          show: bool = False, out=None, presenter_key: str | None = None,
          tour_file: str | None = None, workers: int = 1, state_url: str | None = None,
          max_sessions: int | None = None, public_urls: Sequence[str] = ()) -> None:
    """Serve the viewer until interrupted; prints the URL once the server listens, then the
    presenter's link and the followers' link (:mod:`viewer.follow`).

    ``workers`` processes share the port (``state_url``, a Redis URL, is then required);
    ``max_sessions`` readers at once in all (the default from
    :func:`viewer.serve.gate.default_max_sessions`), counted across the workers
    (:class:`viewer.serve.gate.SessionCounts`); past it a reader gets the "class is full"
    page.  ``public_urls``: where readers reach this server
    through a proxy (printed, allowed as websocket origins, used for the links).
    """
    from viewer import follow
    from viewer.serve import gate

    out = out or sys.stdout
    if workers < 1:
        raise ServeError("--workers must be 1 or more")
    if workers > 1 and not state_url:
        raise ServeError(f"--workers {workers} needs a state server shared by the workers: "
                         "give --state-url redis://HOST:PORT/DB (see docs/deploy.md)")
    if state_url:
        from viewer.follow_redis import StateServerError, check_state_url

        try:
            check_state_url(state_url)
        except StateServerError as exc:
            raise ServeError(str(exc)) from None
    key = presenter_key or os.environ.get(follow.KEY_ENV) or follow.new_key()  # one key for every worker
    hub = follow.configure(key, state_url, workers)
    limit = max_sessions or gate.default_max_sessions()
    counts = gate.SessionCounts(workers) if workers > 1 else None  # before the workers fork
    from viewer.scene.shared import warm_up

    if workers > 1:
        warm_up().join()  # build the shared scene before forking: every worker shares its pages
    parent = os.getpid()
    server = make_server(host, port, content_dirs, show=False, tour_file=tour_file, workers=workers,
                         public_urls=public_urls)
    worker = 0
    if workers > 1:
        from tornado.process import task_id

        worker = task_id() or 0
        _stop_with_parent(server, parent)
    first = worker == 0
    gate.install(server, gate.Gate(hub.key_matches, limit, grant=lambda: follow.presenter_grant(hub.key),
                                   counts=counts, worker=worker))
    if first:
        _print_addresses(out, host, server.port, hub.key, public_urls, workers, state_url, limit)
        if show:
            server.io_loop.add_callback(server.show, "/")
    if workers == 1:
        warm_up()  # build the shared scene now, so the first reader does not wait for it
    server.start()
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def _print_addresses(out, host, port, key, public_urls, workers, state_url, limit) -> None:
    from viewer import follow

    urls = display_urls(host, port)
    print(f"Hip anatomy viewer: {urls[0]}", file=out, flush=True)
    for url in urls[1:]:
        print(f"On this network: {url}", file=out, flush=True)
    for url in public_urls:
        print(f"Through the proxy: {url}", file=out, flush=True)
    base = public_urls[0] if public_urls else None
    print(f"Presenter link (keep it to yourself): {follow.presenter_url(base or urls[0], key)}",
          file=out, flush=True)
    print(f"Students follow the presenter at: {follow.follower_url(base or urls[-1])}", file=out, flush=True)
    if workers > 1:
        from viewer.follow_redis import redacted

        print(f"{workers} worker processes share the presenter through {redacted(state_url)}.",
              file=out, flush=True)
    elif state_url:
        from viewer.follow_redis import redacted

        print(f"The presenter is shared through {redacted(state_url)}.", file=out, flush=True)
    print(f"Up to {limit} readers at once (--max-sessions); more see a 'class is full' page.",
          file=out, flush=True)
    if host in ALL_INTERFACES:
        print("Serving every network interface: anyone who can reach this machine can open the viewer.",
              file=out, flush=True)
    print("Press Ctrl+C to stop.", file=out, flush=True)


def _stop_with_parent(server, parent: int) -> None:
    """A worker stops once the process that forked it has gone (stopped or killed)."""
    from tornado.ioloop import PeriodicCallback

    def check():
        if os.getppid() != parent:
            server.io_loop.stop()

    PeriodicCallback(check, 500).start()
