"""Test-session plumbing shared by the unit tests and the notebook runs: a
summary of how long each notebook took to execute (kernel start included)."""

import collections
import functools
import os
import statistics

import pytest

_notebook_seconds = collections.defaultdict(float)


@functools.cache
def _backends(path):
    from dlbook.notebooks import backends_of

    return backends_of(path)


def pytest_collection_modifyitems(config, items):
    """Skip, visibly, the notebooks that cannot run on the current backend."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    for item in items:
        path = item.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            allowed = _backends(path)
            if allowed and backend not in allowed:
                item.add_marker(pytest.mark.skip(
                    reason=f"{path} needs the {' or '.join(allowed)} backend (see README)"))


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    times = sorted(_notebook_seconds.items())
    terminalreporter.section("notebook run times (this mode)")
    for path, seconds in times:
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    values = [s for _, s in times]
    terminalreporter.write_line(
        f"{len(values)} notebooks: median {statistics.median(values):.1f} s, "
        f"max {max(values):.1f} s, total {sum(values):.1f} s"
    )
