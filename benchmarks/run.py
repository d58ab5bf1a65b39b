"""Run every ``benchmarks/bench_*.py`` and print one Markdown table and the machine it ran on.

Each benchmark module defines ``rows() -> list[dict]``; every row has the keys
``benchmark``, ``value``, ``unit`` and ``goal`` (a short text such as ``"< 2 s"``).

    python -m benchmarks.run              # every benchmark
    python -m benchmarks.run scene mesh   # only modules whose name contains one of these words
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "value", "unit", "goal")


def benchmark_modules(words=()) -> list[str]:
    """Module names ``benchmarks.bench_*`` in file-name order, filtered by ``words`` if given."""
    names = sorted(path.stem for path in HERE.glob("bench_*.py"))
    if words:
        names = [n for n in names if any(w in n for w in words)]
    return [f"benchmarks.{name}" for name in names]


def format_value(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict]) -> str:
    """The rows as one Markdown table with the columns benchmark | value | unit | goal."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * len(COLUMNS)) + "|"]
    for row in rows:
        cells = [_cell(format_value(row.get("value"))) if c == "value" else _cell(row.get(c, ""))
                 for c in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return psutil.virtual_memory().total / 1024**3
    except ImportError:
        return None


def machine_description() -> str:
    """One line: CPU model, cores, RAM, Python and OS."""
    ram = memory_gib()
    ram_text = f"{ram:.1f} GiB RAM" if ram is not None else "RAM unknown"
    cores = os.cpu_count() or 0
    return (f"{cpu_model()}, {cores} cores, {ram_text}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def collect(modules: list[str]) -> tuple[list[dict], list[str]]:
    """Rows from every module, and a line for each module that failed."""
    rows: list[dict] = []
    failures: list[str] = []
    for name in modules:
        try:
            # What a benchmark prints goes to stderr, so stdout holds only the table.
            with contextlib.redirect_stdout(sys.stderr):
                module = importlib.import_module(name)
                if not callable(getattr(module, "rows", None)):
                    continue
                module_rows = list(module.rows())
            for row in module_rows:
                missing = [c for c in COLUMNS if c not in row]
                if missing:
                    raise ValueError(f"row {row!r} lacks {', '.join(missing)}")
                rows.append(row)
        except Exception as exc:  # one broken benchmark must not hide the others
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stderr)
    return rows, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("words", nargs="*", help="run only modules whose name contains one of these")
    args = parser.parse_args(argv)

    modules = benchmark_modules(args.words)
    if not modules:
        print("no benchmarks/bench_*.py matched", file=sys.stderr)
        return 1
    started = time.perf_counter()
    rows, failures = collect(modules)
    elapsed = time.perf_counter() - started
    print(markdown_table(rows))
    print()
    print(f"Machine: {machine_description()}.")
    print(f"{len(rows)} rows from {len(modules)} modules in {elapsed:.0f} s.")
    for failure in failures:
        print(f"FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
