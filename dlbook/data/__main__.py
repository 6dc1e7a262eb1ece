"""``python -m dlbook.data status | fetch | verify [NAME ...]``.

status  one table of every dataset: here or missing, where, size, licence (reads nothing)
fetch   make every dataset available offline (downloads what is missing), then the table
verify  check what is on disk against its checksum or layout; download nothing
"""

from __future__ import annotations

import argparse
import sys

from dlbook import data
from dlbook.data import store


def _size(paths) -> str:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += path.stat().st_size
    return "" if not total else f"{total / 1e6:,.1f} MB" if total > 1e5 else f"{total / 1e3:,.0f} kB"


def status_table() -> str:
    rows = [("dataset", "kind", "here", "size", "licence")]
    for name, dataset in data.CATALOGUE.items():
        place, paths = store.location(dataset)
        rows.append((name, "bundled" if dataset.bundled else "download-only", place, _size(paths),
                     dataset.licence if len(dataset.licence) < 60 else dataset.licence[:57] + "..."))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[4] for r in rows]
    missing = [r[0] for r in rows[1:] if r[2] == "MISSING"]
    lines.append(f"{len(rows) - 1 - len(missing)} of {len(rows) - 1} here. Bundled files live in "
                 f"{store.data_dir()}, the rest in the Keras cache, {data.keras_cache_dir()}."
                 + (f" Missing: {', '.join(missing)}; `make data` on a machine with internet "
                    "access fetches them (notebooks say what they use instead)." if missing else ""))
    return "\n".join(lines)


def _one(name: str, download: bool) -> str:
    """Make ``name`` available (or, without ``download``, check it); return an ok line."""
    dataset = data.entry(name)
    if dataset.bundled:
        contents = data.locate(name, download=download)
        return f"{len(contents)} file(s), {sum(map(len, contents.values())) / 1e6:.1f} MB checked"
    spec = dataset.files[0]
    how = f"{'SHA-256' if spec.sha256 else 'MD5'} checked" if spec.checksum else "no checksum published"
    if dataset.unpack_to is None:
        path = data.fetch(name, download=download)
        if not spec.checksum:
            how += f", layout checked ({dataset.layout(path)[1]}); its SHA-256 here is {data.sha256_of(path)}"
        return f"{path} ({path.stat().st_size / 1e6:.1f} MB, {how})"
    root, summary = data.unpacked(name, download=download)
    archive = store.cached_path(dataset, spec)
    if not archive.exists():
        how = "found unpacked, layout checked"
    elif spec.checksum:
        how = f"archive {how}"
    else:
        how = ("no checksum is published for the archive, so its layout was checked; "
               f"its SHA-256 here is {data.sha256_of(archive)}")
    return f"{root} ({summary}; {how})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlbook.data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("status", "fetch", "verify"),
                        help="status: the table of every dataset; fetch: download what is missing "
                             "and check everything, then the table; verify: check what is on disk, "
                             "download nothing (absent download-only entries are reported, not failed)")
    parser.add_argument("names", nargs="*", help=f"datasets (default: all of {', '.join(data.CATALOGUE)})")
    args = parser.parse_args(argv)
    if args.command == "status":
        print(status_table())
        return 0
    fetching, failed = args.command == "fetch", 0
    names = args.names or list(data.CATALOGUE)
    for name in names:
        try:
            print(f"ok      {name}: {_one(name, download=fetching)}", flush=True)
        except data.DatasetMissingError as err:
            dataset = data.CATALOGUE[name]
            if not fetching and not dataset.bundled:
                print(f"absent  {name}: download-only and not in the Keras cache "
                      f"({store.cached_path(dataset, dataset.files[0])}); `make data` on a machine "
                      f"with internet access fetches it from {dataset.files[0].url}")
            else:
                failed += 1
                print(f"FAILED  {name}: {err}", file=sys.stderr)
        except (data.DatasetError, KeyError) as err:
            failed += 1
            print(f"FAILED  {name}: {err}", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(names)} failed.", file=sys.stderr)
    if fetching and not args.names:
        print("\n" + status_table())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
