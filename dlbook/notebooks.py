"""Execute the notebooks, check the committed ones, and report book against run.

``python -m dlbook.notebooks run [PATH ...]`` executes each notebook top to
bottom in a fresh kernel (full mode unless ``--mode fast``), strips volatile
metadata, and stamps the notebook's metadata with a hash of its code cells, the
mode, the wall time and the versions. ``check`` reports notebooks whose stored
outputs are not from such a run of the current code; ``times`` prints the
recorded wall times. ``reproduce`` executes copies of the notebooks in the mode
of their stored outputs (full, or reduced for the few hours-long ones; ``--mode``
forces one) under ``reports/`` and writes ``reports/REPORT.md`` from the book-vs-run records
that the notebooks' closing cells write (see :mod:`dlbook.report`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import platform
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_KEYS = {"kernelspec", "language_info", "dlbook"}
CELL_KEYS = {"tags"}


def backends_of(path) -> list[str] | None:
    """The backends a notebook is limited to (notebook metadata ``dlbook.backends``),
    or None when it runs on every backend."""
    import json

    return json.loads(pathlib.Path(path).read_text()).get("metadata", {}).get("dlbook", {}).get("backends")


def all_notebooks() -> list[pathlib.Path]:
    return sorted(p for p in NOTEBOOKS.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def code_hash(nb) -> str:
    """SHA-256 over the notebook's code cells, in order: changes when any code changes."""
    digest = hashlib.sha256()
    for cell in code_cells(nb):
        digest.update(cell.source.strip().encode())
        digest.update(b"\n\x00\n")
    return digest.hexdigest()


def _clean(nb):
    for key in set(nb.metadata) - NOTEBOOK_KEYS:
        del nb.metadata[key]
    for cell in nb.cells:
        for key in set(cell.metadata) - CELL_KEYS:
            del cell.metadata[key]
        if cell.cell_type == "code" and not cell.source.strip():
            cell.outputs, cell.execution_count = [], None


def relative(path: pathlib.Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def run(path: pathlib.Path, mode: str = "full", timeout: int = 7200, records=None, name=None):
    """Execute one notebook in place in a fresh kernel and stamp it.

    With ``records``, the notebook's book-vs-run rows are written to that folder
    under ``name`` (default: the notebook's path in the repository)."""
    import nbformat
    from nbclient import NotebookClient

    import keras

    nb = nbformat.read(path, as_version=4)
    backends = nb.metadata.get("dlbook", {}).get("backends")
    os.environ["DLBOOK_MODE"] = mode
    os.environ["DLBOOK_NOTEBOOK"] = name or relative(path)
    if records:
        os.environ["DLBOOK_RECORDS"] = str(pathlib.Path(records).resolve())
    else:
        os.environ.pop("DLBOOK_RECORDS", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    wall = time.perf_counter() - start
    _clean(nb)
    nb.metadata["dlbook"] = {
        "code_sha256": code_hash(nb),
        "mode": mode,
        "backend": os.environ.get("KERAS_BACKEND", keras.backend.backend()),
        "wall_time_s": round(wall, 1),
        "cpu_count": os.cpu_count(),
        "executed": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "keras": keras.__version__,
    }
    if backends:
        nb.metadata["dlbook"]["backends"] = backends
    nbformat.write(nb, path)
    return wall


def problems(path: pathlib.Path) -> list[str]:
    """What is wrong with a committed notebook's stored outputs (empty if nothing)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = []
    cells = code_cells(nb)
    counts = [c.execution_count for c in cells]
    if counts != list(range(1, len(cells) + 1)):
        found.append(f"execution counts are {counts}, not 1..{len(cells)} from one top-to-bottom run")
    for i, cell in enumerate(cells, 1):
        for out in cell.outputs:
            if out.output_type == "error":
                found.append(f"code cell {i} stores an error ({out.ename})")
    if not any(c.outputs for c in cells):
        found.append("no outputs are stored")
    extra = set(nb.metadata) - NOTEBOOK_KEYS
    if extra:
        found.append(f"notebook metadata has volatile keys {sorted(extra)}")
    for i, cell in enumerate(nb.cells, 1):
        extra = set(cell.metadata) - CELL_KEYS
        if extra:
            found.append(f"cell {i} metadata has volatile keys {sorted(extra)}")
    stamp = nb.metadata.get("dlbook", {})
    if stamp.get("code_sha256") != code_hash(nb):
        found.append("the stored outputs were produced by other code (code hash differs): "
                     f"run `make notebooks NB={relative(path)}`")
    if stamp.get("mode") not in ("full", "reduced"):
        found.append(f"stored outputs come from mode {stamp.get('mode')!r}, not full (or reduced)")
    return found


def _number(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_report(records: pathlib.Path, times: dict, target: pathlib.Path, modes=None) -> str:
    """The book-vs-run report (markdown) built from the records in ``records``.

    ``modes`` names the run mode per notebook where it was not ``full``."""
    modes = modes or {}
    lines = [
        "# Book against run",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M')} by `make reproduce` from the records the "
        "notebooks wrote during their runs (full mode: the book's settings; a run time marked "
        "*reduced* comes from a notebook's stated smaller settings).",
        "",
        "| notebook | metric | book | this run | difference | source | run time | device |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, wall in times.items():
        run_time = f"{wall:.0f} s" + (f" *{modes[name]}*" if modes.get(name, "full") != "full" else "")
        record_file = records / (name.replace("/", "__").removesuffix(".ipynb") + ".json")
        if not record_file.exists():
            lines.append(f"| {name} | (the book reports no number here) | | | | | {run_time} | |")
            continue
        record = json.loads(record_file.read_text())
        device = f"{record['device']}, {record['backend']}"
        for row in record["rows"]:
            lines.append(
                f"| {name} | {row['metric']} | {_number(row['book'])} | {_number(row['run'])} | "
                f"{_number(row['difference'])} | {row['source']} | {run_time} | {device} |"
            )
    text = "\n".join(lines) + "\n"
    target.write_text(text)
    return text


def stored_mode(path: pathlib.Path) -> str:
    """The mode a committed notebook's stored outputs come from (``full`` if unstamped)."""
    import nbformat

    return nbformat.read(path, as_version=4).metadata.get("dlbook", {}).get("mode") or "full"


def reproduce(paths, out: pathlib.Path, mode=None) -> str:
    """Execute copies of ``paths`` under ``out`` and write the report.

    Each notebook runs in ``mode``, or by default in the mode of its stored outputs:
    full (the book's settings) except for the few stored in reduced mode."""
    records = out / "records"
    shutil.rmtree(records, ignore_errors=True)
    times, modes = {}, {}
    for path in paths:
        name = relative(path)
        modes[name] = mode or stored_mode(path)
        copy = out / "notebooks" / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        print(f"reproducing {name} ({modes[name]}) ...", flush=True)
        times[name] = run(copy, modes[name], records=records, name=name)
        print(f"  done in {times[name]:.1f} s", flush=True)
    return write_report(records, times, out / "REPORT.md", modes)


def _paths(names) -> list[pathlib.Path]:
    if not names:
        return all_notebooks()
    paths = []
    for name in names:
        p = pathlib.Path(name)
        if p.is_dir():
            paths += sorted(p.rglob("*.ipynb"))
        elif p.suffix == ".ipynb" and p.exists():
            paths.append(p)
        else:
            raise SystemExit(f"no notebook or folder at {name}")
    return [p for p in paths if ".ipynb_checkpoints" not in p.parts]


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlbook.notebooks", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="execute notebooks in place and stamp them")
    p_run.add_argument("paths", nargs="*")
    p_run.add_argument("--mode", choices=("full", "fast", "reduced"), default="full")
    p_run.add_argument("--records", help="folder for the book-vs-run records")
    p_check = sub.add_parser("check", help="list problems with the stored outputs")
    p_check.add_argument("paths", nargs="*")
    p_times = sub.add_parser("times", help="print the recorded full-mode wall times")
    p_times.add_argument("paths", nargs="*")
    p_repro = sub.add_parser("reproduce", help="run copies (in their stored mode) and write reports/REPORT.md")
    p_repro.add_argument("paths", nargs="*")
    p_repro.add_argument("--mode", choices=("full", "reduced"), default=None,
                         help="run every notebook in this mode (default: the mode of its stored outputs)")
    p_repro.add_argument("--out", default=str(ROOT / "reports"))
    args = parser.parse_args(argv)
    paths = _paths(args.paths)
    if args.command == "run":
        for path in paths:
            print(f"running {relative(path)} ({args.mode}) ...", flush=True)
            print(f"  done in {run(path, args.mode, records=args.records):.1f} s", flush=True)
        return 0
    if args.command == "reproduce":
        out = pathlib.Path(args.out)
        print(reproduce(paths, out, args.mode))
        print(f"report written to {out / 'REPORT.md'}")
        return 0
    if args.command == "check":
        bad = 0
        for path in paths:
            for problem in problems(path):
                bad += 1
                print(f"{relative(path)}: {problem}")
        print(f"{len(paths)} notebooks checked, {bad} problems")
        return 1 if bad else 0
    import nbformat

    for path in paths:
        stamp = nbformat.read(path, as_version=4).metadata.get("dlbook", {})
        print(f"{relative(path)}\t{stamp.get('wall_time_s')} s\t{stamp.get('mode')}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
