"""Configuration for serving one class from several machines: nginx in front of several
``hip-viewer`` processes that share the presenter through one Redis (see docs/deploy.md).

:func:`nginx_site` is the ``upstream`` and ``server`` blocks for nginx's ``http`` context
(``/etc/nginx/conf.d/hip-viewer.conf``); ``hip-viewer nginx-config`` prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SITE_TEMPLATE = """\
# hip-viewer behind nginx: {count} viewer process(es), one Redis shared by them all.
upstream hip_viewer {{
    # One reader stays on one process (its page and its websocket must meet there). The whole
    # address is hashed: ip_hash would use only its first three parts, sending a classroom's
    # Wi-Fi subnet to a single process.
    hash $remote_addr consistent;
{servers}
}}

map $http_upgrade $hip_viewer_connection {{
    default upgrade;
    ''      close;
}}

server {{
    listen {listen};
    server_name {server_name};

    location / {{
        proxy_pass http://hip_viewer;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;          # the websocket
        proxy_set_header Connection $hip_viewer_connection;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;         # per-reader limits (--public-url)
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 3600s;                        # a lecture's websocket stays open
        proxy_send_timeout 3600s;
        proxy_buffering off;
    }}
}}
"""

STANDALONE_TEMPLATE = """\
# nginx run by hand (not as a service), everything under {workdir}
daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;

{site}
}}
"""


def nginx_site(backends: Sequence[str], listen: str = "80", server_name: str = "_") -> str:
    """The nginx ``upstream`` and ``server`` blocks for ``backends`` (``host:port`` of each
    ``hip-viewer`` process), listening on ``listen``."""
    if not backends:
        raise ValueError("give at least one backend (host:port of a hip-viewer process)")
    servers = "\n".join(f"    server {backend};" for backend in backends)
    return SITE_TEMPLATE.format(count=len(backends), servers=servers, listen=listen, server_name=server_name)


def nginx_standalone(site: str, workdir: Path | str) -> str:
    """A whole nginx configuration around ``site`` that runs in the foreground as any user,
    keeping its files in ``workdir`` (the tests run nginx this way)."""
    indented = "\n".join(("    " + line) if line else "" for line in site.splitlines())
    return STANDALONE_TEMPLATE.format(workdir=Path(workdir), site=indented)
