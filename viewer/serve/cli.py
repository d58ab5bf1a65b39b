"""The ``hip-viewer`` command.

``hip-viewer`` alone serves the viewer and prints its URL; ``hip-viewer measure`` prints the
measurements at one posture; ``hip-viewer check-content PATH`` checks a content pack;
``hip-viewer check-tour FILE`` checks a guided tour.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

PROG = "hip-viewer"

DESCRIPTION = (
    "Interactive 3D model of the hip around the gluteus medius muscle. "
    "Without a subcommand, serves the viewer in the browser and prints its URL."
)

USAGE = """%(prog)s [--host HOST] [--port PORT] [--no-browser] [--content DIR] [--tour FILE]
       [--presenter-key KEY] [--workers N] [--state-url redis://HOST:PORT/DB]
       [--max-sessions N] [--public-url URL]
       %(prog)s measure [--flexion DEG] [--adduction DEG] [--rotation DEG] [--side {right,left}] [--json]
       %(prog)s stance [--side {right,left}] [--strength PCT] [--cane] [--lean DEG] [--json]
       %(prog)s export-mesh --format {glb,stl,obj} [--flexion DEG] [--adduction DEG] [--rotation DEG] OUT
       %(prog)s [--content DIR] export-html OUT.html
       %(prog)s check-content PATH
       %(prog)s [--content DIR] check-tour FILE
       %(prog)s nginx-config [--listen PORT] [--server-name NAME] HOST:PORT [HOST:PORT ...]"""

EPILOG = """examples:
  hip-viewer                          serve on http://127.0.0.1:5006/ and open a browser tab
  hip-viewer --host 0.0.0.0           serve to the classroom network
  hip-viewer --content my-pack        add a content pack over the built-in one
  hip-viewer --tour my-tour.yaml      serve with a teacher's guided tour
  hip-viewer --host 0.0.0.0 --presenter-key anatomy7
                                      a fixed presenter key (students follow with ?follow=1)
  hip-viewer --host 0.0.0.0 --workers 2 --state-url redis://127.0.0.1:6379/0
                                      two processes on one port sharing the presenter (docs/deploy.md)
  hip-viewer measure --flexion 30 --json
  hip-viewer stance --strength 40 --json
  hip-viewer export-mesh --format glb --flexion 45 hip.glb
  hip-viewer export-html hip-handout.html
  hip-viewer check-content my-pack
  hip-viewer check-tour my-tour.yaml
  hip-viewer nginx-config 10.0.0.11:5006 10.0.0.12:5006
                                      nginx in front of two machines (docs/deploy.md)
"""


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def _public_url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) address such as http://lecture.example.org/")
    return text if text.endswith("/") else text + "/"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 0-65535")
    return value


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument as one line on stderr and exits with code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hip-viewer`` and its subcommands."""
    parser = _Parser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG, usage=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, this machine only; "
                             "0.0.0.0 serves every network interface)")
    parser.add_argument("--port", type=_port, default=5006,
                        help="port to listen on (default 5006; 0 picks a free port)")
    parser.add_argument("--no-browser", action="store_true",
                        help="do not open a browser tab")
    parser.add_argument("--content", metavar="DIR", action="append", default=[],
                        help="a content pack directory laid over the built-in one "
                             "(may be given more than once; later ones win)")
    parser.add_argument("--tour", metavar="FILE", default=None,
                        help="a guided tour (YAML) instead of the built-in one; checked first")
    parser.add_argument("--presenter-key", metavar="KEY", default=None,
                        help="the key in the presenter link (#presenter=KEY) whose session the "
                             "followers' views follow (default: a new random key, printed at start)")
    parser.add_argument("--workers", type=_count, default=1, metavar="N",
                        help="server processes sharing the port (default 1); more than 1 needs --state-url")
    parser.add_argument("--state-url", metavar="URL", default=None,
                        help="Redis server through which several processes or machines share the "
                             "presenter's view, e.g. redis://127.0.0.1:6379/0 (default: none, one process)")
    parser.add_argument("--max-sessions", type=_count, default=None, metavar="N",
                        help="readers served at once; more see a 'class is full' page (default: 75 "
                             "per processor core, within the memory at 20 MB a reader, at least 10)")
    parser.add_argument("--public-url", metavar="URL", action="append", default=[], type=_public_url,
                        help="the address readers use through a proxy in front of this server (may be "
                             "given more than once): printed, used for the links, allowed to open the "
                             "websocket; the client address is then read from the proxy's headers")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND", prog=PROG)

    measure = sub.add_parser(
        "measure", help="print muscle and bone measurements at one posture",
        description="Measurements of the model at one hip posture (ISB pelvis frame, mm, degrees).",
    )
    measure.add_argument("--flexion", type=float, default=0.0, metavar="DEG",
                         help="hip flexion in degrees (+ flexion, - extension; default 0)")
    measure.add_argument("--adduction", type=float, default=0.0, metavar="DEG",
                         help="hip adduction in degrees (+ adduction, - abduction; default 0)")
    measure.add_argument("--rotation", type=float, default=0.0, metavar="DEG",
                         help="hip rotation in degrees (+ internal, - external; default 0)")
    measure.add_argument("--side", choices=("right", "left"), default="right",
                         help="which hip (default right)")
    measure.add_argument("--json", action="store_true",
                         help="print one JSON document instead of readable text")

    stance = sub.add_parser(
        "stance", help="single-leg stance: abductor and hip joint forces, pelvic drop",
        description="Frontal-plane single-leg stance (Pauwels-style lever model; see docs/mechanics.md).",
    )
    stance.add_argument("--side", choices=("right", "left"), default="right",
                        help="stance leg (default right)")
    stance.add_argument("--strength", type=float, default=100.0, metavar="PCT",
                        help="abductor strength in %% of normal (0-150; default 100)")
    stance.add_argument("--cane", action="store_true",
                        help="a cane in the hand opposite the stance leg")
    stance.add_argument("--lean", type=float, default=0.0, metavar="DEG",
                        help="trunk lean toward the stance side in degrees (-10 to 30; default 0)")
    stance.add_argument("--json", action="store_true",
                        help="print one JSON document instead of readable text")

    export = sub.add_parser(
        "export-mesh", help="write the model's meshes for Blender, slides or 3D printing",
        description="Write every mesh of the model at one posture (ISB pelvis frame, mm). glb: one "
                    "file with a named node per structure; stl and obj: a folder OUT with one file "
                    "per structure.",
    )
    export.add_argument("--format", choices=("glb", "stl", "obj"), required=True,
                        help="file format")
    for name, words in (("flexion", "+ flexion, - extension"), ("adduction", "+ adduction, - abduction"),
                        ("rotation", "+ internal, - external")):
        export.add_argument(f"--{name}", type=float, default=0.0, metavar="DEG",
                            help=f"hip {name} in degrees ({words}; default 0)")
    export.add_argument("out", metavar="OUT", help="output file (glb) or folder (stl, obj)")

    handout = sub.add_parser(
        "export-html", help="write the offline hand-out: one HTML file of the 3D hip and its cards",
        description="Write one self-contained HTML file (3D model, cards, reading levels) "
                    "that opens from disk with no server or network.",
    )
    handout.add_argument("out", metavar="OUT.html", help="the HTML file to write")

    check = sub.add_parser(
        "check-content", help="check a content pack and report every problem",
        description="Check a content pack directory (or one YAML file) against the schema.",
    )
    check.add_argument("path", metavar="PATH", help="content pack directory or YAML file")

    check_tour = sub.add_parser(
        "check-tour", help="check a guided tour file and report every problem",
        description="Check a guided tour (YAML) against its schema, the model's layers, camera "
                    "presets and posture ranges, and the content pack's ids (with --content, "
                    "that pack's ids too).",
    )
    check_tour.add_argument("file", metavar="FILE", help="tour YAML file")

    nginx = sub.add_parser(
        "nginx-config", help="print an nginx configuration in front of several hip-viewer processes",
        description="Print the nginx upstream and server blocks (for /etc/nginx/conf.d/) that spread "
                    "readers over several hip-viewer processes: sticky by client address, websocket "
                    "upgrade, hour-long reads. See docs/deploy.md.",
    )
    nginx.add_argument("--listen", default="80", metavar="PORT",
                       help="what nginx listens on (default 80; also ADDRESS:PORT)")
    nginx.add_argument("--server-name", default="_", metavar="NAME",
                       help="the name readers type (default _: any)")
    nginx.add_argument("backends", nargs="+", metavar="HOST:PORT",
                       help="each hip-viewer process, e.g. 10.0.0.11:5006")
    return parser


def _error(message: str, code: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


def format_report(report, indent: int = 0) -> list[str]:
    """Readable lines for a nested measurement report (floats to 0.1)."""
    lines: list[str] = []
    pad = "  " * indent
    if isinstance(report, dict):
        for key, value in report.items():
            if isinstance(value, dict) or (
                isinstance(value, list) and value and isinstance(value[0], dict)
            ):
                lines.append(f"{pad}{key}:")
                lines.extend(format_report(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_format_value(value)}")
    elif isinstance(report, list):
        for item in report:
            lines.append(f"{pad}-")
            lines.extend(format_report(item, indent + 1))
    else:
        lines.append(f"{pad}{_format_value(report)}")
    return lines


def checked_posture(args) -> dict[str, float]:
    """The hip angles of ``args`` after :func:`meshes.measure.check_posture` (``ValueError``
    with a one-line message for the first bad one; nothing is clamped)."""
    from meshes.measure import check_posture

    return {name: check_posture(name, getattr(args, name)) for name in ("flexion", "adduction", "rotation")}


def run_measure(args) -> int:
    from meshes import measure

    try:
        angles = checked_posture(args)
    except ValueError as exc:
        return _error(str(exc), 2)
    report = measure.measure_report(angles["flexion"], angles["adduction"], angles["rotation"], args.side)
    if args.json:
        print(json.dumps(report))
    else:
        print("\n".join(format_report(report)))
    return 0


def run_stance(args) -> int:
    from meshes import stance

    try:
        stance.check_stance_args(args.side, args.strength, args.cane, args.lean)
    except ValueError as exc:
        return _error(f"--{exc}", 2)
    report = stance.stance_cli_report(args)
    if args.json:
        print(json.dumps(report))
    else:
        print("\n".join(format_report(report)))
    return 0


def run_export_mesh(args) -> int:
    from meshes import export
    from meshes.model import HipModel

    try:
        angles = checked_posture(args)
    except ValueError as exc:
        return _error(str(exc), 2)
    try:
        files = export.export_meshes(HipModel(**angles).meshes(), args.out, args.format)
    except OSError as exc:
        return _error(f"cannot write {args.out}: {exc.strerror or exc}", 1)
    print(f"wrote {len(files)} file(s): {files[0] if len(files) == 1 else files[0].parent}")
    return 0


def run_check_content(args) -> int:
    from annotations.check import check_content

    code, text = check_content(args.path)
    if text:
        print(text)
    return int(code)


def run_check_tour(args) -> int:
    import annotations
    from viewer.tour import check_tour_file

    try:
        code, text = check_tour_file(args.file, tuple(args.content))
    except annotations.ContentError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(text)
    return int(code)


def checked_tour(path: str, content_dirs) -> str | None:
    """None if the tour at ``path`` loads with these content packs, else a one-line problem."""
    from viewer.tour import TourError, load_viewer_tour, pack_ids

    try:
        load_viewer_tour(path, pack_ids(tuple(content_dirs)))
    except TourError as exc:
        if len(exc.problems) > 1:
            return f"{exc.one_line()}; hip-viewer check-tour lists them all"
        return exc.one_line()
    return None


def can_open_browser() -> bool:
    """False on a Linux machine without a display (over SSH, in a container), where a
    browser tab cannot open and a text-mode browser would take over the terminal."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run_serve(args) -> int:
    from viewer.serve.server import ServeError, serve

    if args.content:
        import annotations

        try:
            annotations.load_pack(*args.content)
        except annotations.ContentError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    if args.tour is not None:
        problem = checked_tour(args.tour, args.content)
        if problem is not None:
            return _error(f"bad tour: {problem}", 2)
    try:
        serve(host=args.host, port=args.port, content_dirs=tuple(args.content),
              show=not args.no_browser and can_open_browser(), tour_file=args.tour,
              presenter_key=args.presenter_key, workers=args.workers, state_url=args.state_url,
              max_sessions=args.max_sessions, public_urls=tuple(args.public_url))
    except ServeError as exc:
        return _error(str(exc), 2)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hip-viewer`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "measure":
            return run_measure(args)
        if args.command == "stance":
            return run_stance(args)
        if args.command == "export-mesh":
            return run_export_mesh(args)
        if args.command == "export-html":
            from viewer.serve.handout import main_export_html

            return main_export_html(args.out, content_dirs=tuple(args.content))
        if args.command == "check-content":
            return run_check_content(args)
        if args.command == "check-tour":
            return run_check_tour(args)
        if args.command == "nginx-config":
            from viewer.serve.deploy import nginx_site

            print(nginx_site(args.backends, listen=args.listen, server_name=args.server_name), end="")
            return 0
        return run_serve(args)
    except BrokenPipeError:
        # The reader went away (``hip-viewer measure | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
