"""Book-versus-run tables for the notebooks' closing cells.

``compare`` shows each number a book reports beside this run's number. When the
variable ``DLBOOK_RECORDS`` names a folder (the notebook runner sets it), the
rows are also written there as JSON, one file per notebook, so that reports are
built from what the runs measured rather than from hand-typed results.
"""

from __future__ import annotations

import json
import numbers
import os
import pathlib
import time

REQUIRED = ("metric", "book", "run", "source")


def _difference(book, run):
    if isinstance(book, numbers.Real) and isinstance(run, numbers.Real) \
            and not isinstance(book, bool) and not isinstance(run, bool):
        return float(run) - float(book)
    return None


def compare(cfg, rows):
    """A table of book numbers beside this run's numbers.

    ``rows`` is a list of dicts with keys ``metric``, ``book``, ``run`` and
    ``source`` (book, section or page). ``book`` may be ``None`` where the book
    gives no number. Returns a pandas DataFrame (shown as the cell's output).
    """
    import pandas as pd

    clean = []
    for i, row in enumerate(rows):
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise ValueError(f"row {i} of the comparison lacks {', '.join(missing)}: {row!r}")
        run = row["run"]
        if hasattr(run, "item"):  # NumPy or backend scalars
            run = run.item()
        clean.append({**row, "run": run, "difference": _difference(row["book"], run)})
    _write_records(cfg, clean)
    shown = [{k: _rounded(v) for k, v in row.items()} for row in clean]
    table = pd.DataFrame(shown, columns=["metric", "book", "run", "difference", "source"],
                         dtype=object)
    return table.set_index("metric").fillna("")


def _rounded(value):
    """Four decimals for display (the records keep every digit)."""
    return round(value, 4) if isinstance(value, float) else value


def _write_records(cfg, rows):
    folder = os.environ.get("DLBOOK_RECORDS")
    notebook = os.environ.get("DLBOOK_NOTEBOOK")
    if not folder or not notebook:
        return
    path = pathlib.Path(folder) / (notebook.replace("/", "__").removesuffix(".ipynb") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "notebook": notebook,
        "mode": cfg.mode,
        "backend": cfg.backend,
        "device": cfg.device,
        "versions": cfg.versions,
        "written": time.strftime("%Y-%m-%d %H:%M:%S"),
        "rows": rows,
    }, indent=1, default=str))
