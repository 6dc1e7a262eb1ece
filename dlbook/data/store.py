"""How a dataset file is found, checked, downloaded and unpacked (which datasets
exist is :mod:`dlbook.data.catalogue`'s business).

Order: the bundled copy in ``data/``, the Keras cache, then a pooch download
(progress bar, retries) into a temporary folder, checked, renamed into place;
never with ``DLBOOK_OFFLINE=1``. Archives are unpacked the same way and their
layout checked. Failures raise :class:`DatasetMissingError` or
:class:`DatasetCorruptError` naming the dataset, the file, the remedy and the address.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pathlib
import shutil
import tarfile
import tempfile
import zlib

#: The repository's data folder (the environment variable ``DLBOOK_DATA`` moves it).
DATA_DIR = pathlib.Path(__file__).resolve().parents[2] / "data"

#: How often pooch tries a download again after a failure, waiting 1 s, 2 s, ...
RETRIES = 2

#: The mark left in a folder that was unpacked, or accepted, and checked.
UNPACKED_MARK = ".dlbook-unpacked"


class DatasetError(Exception):
    """Base class of the errors raised by the data layer."""


class DatasetMissingError(DatasetError, FileNotFoundError):
    """No copy of a dataset file is on disk and none could be downloaded."""


class DatasetCorruptError(DatasetError, ValueError):
    """A dataset file is on disk but fails its checksum or its layout check."""


def data_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("DLBOOK_DATA", DATA_DIR))


def keras_cache_dir() -> pathlib.Path:
    """The folder Keras caches downloads in (``$KERAS_HOME`` or ``~/.keras``)."""
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras"))


def offline() -> bool:
    """True when ``DLBOOK_OFFLINE`` forbids downloads (the test suite sets it)."""
    return os.environ.get("DLBOOK_OFFLINE", "").lower() in ("1", "true", "yes")


def bundled_path(dataset, spec) -> pathlib.Path | None:
    return None if dataset.bundle_dir is None else data_dir() / dataset.bundle_dir / spec.name


def cached_path(dataset, spec) -> pathlib.Path:
    return keras_cache_dir() / dataset.cache_subdir / spec.name


def location(dataset) -> tuple[str, list[pathlib.Path]]:
    """Where ``dataset`` is, without checking it: ``("bundled" | "cache" | "cache (unpacked)"
    | "MISSING", paths)``."""
    if dataset.unpack_to:
        folder = keras_cache_dir() / dataset.cache_subdir / dataset.unpack_to
        if folder.is_dir():
            return "cache (unpacked)", [folder]
    for place, paths in (("bundled", [bundled_path(dataset, s) for s in dataset.files]),
                         ("cache", [cached_path(dataset, s) for s in dataset.files])):
        if all(p is not None and p.exists() for p in paths):
            return place, paths
    return "MISSING", []


# --- checksums ---------------------------------------------------------------------

def digest_of(path, algorithm: str = "sha256", gzipped: bool = False) -> str:
    """The checksum of a file (of its decompressed contents if ``gzipped``), read 1 MB at a time."""
    digest = hashlib.new(algorithm)
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DatasetCorruptError(
            f"{path} is not a complete gzip file ({err}); it is truncated or damaged."
        ) from err
    return digest.hexdigest()


def sha256_of(path, gzipped: bool = False) -> str:
    return digest_of(pathlib.Path(path), "sha256", gzipped)


_NAMES = {"sha256": "SHA-256", "md5": "MD5"}
_CHECKED: set[tuple[str, int, int]] = set()  # (path, size, mtime) checked in this process


def check_file(dataset, spec, path: pathlib.Path, remedy: str) -> None:
    """Check ``path`` against the checksum of ``spec`` without reading it into memory,
    or, where none is published, against the entry's ``layout`` check of a single file."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _CHECKED:
        return
    if spec.checksum is None:
        if dataset.layout is not None and dataset.unpack_to is None:
            try:
                dataset.layout(path)
            except DatasetCorruptError as err:
                raise DatasetCorruptError(f"{dataset.title}: {path} {err}. {remedy}") from None
        _CHECKED.add(key)
        return
    algorithm, accepted = spec.checksum
    try:
        digest = digest_of(path, algorithm, spec.gzipped)
    except DatasetCorruptError as err:
        raise DatasetCorruptError(f"{dataset.title}: {err} {remedy}") from None
    if digest not in accepted:
        expected = sorted(accepted)[0] if algorithm == "md5" else spec.sha256 or spec.url_sha256
        raise DatasetCorruptError(
            f"{dataset.title}: {path} fails its checksum, so it is truncated, damaged or "
            f"not the original file ({_NAMES[algorithm]} {digest[:16]}…, expected "
            f"{expected[:16]}…). {remedy}"
        )
    _CHECKED.add(key)


# --- finding, or downloading, one file ------------------------------------------------

def _missing(dataset, spec, why: str) -> DatasetMissingError:
    bundled, cached = bundled_path(dataset, spec), cached_path(dataset, spec)
    if bundled is None:
        text = (f"{dataset.title} is not available: {spec.name} is not in the Keras cache at "
                f"{cached}, and {why}. It is download-only (never bundled with the repository). "
                f"Remedy: run `make data` once on a machine with internet access, or download "
                f"{spec.url} yourself and copy the file into the Keras cache at {cached}.")
    elif spec.url is None:
        text = (f"{dataset.title} is not available: {spec.name} is not bundled at {bundled}, "
                f"and it cannot be downloaded: `make bundle` makes it from a registry package. "
                f"Remedy: `git checkout -- data/` in a clone of the repository, or `make bundle`.")
    else:
        text = (f"{dataset.title} is not available: {spec.name} is neither bundled at {bundled} "
                f"nor cached at {cached}, and {why}. Remedy: run `make data` once while online "
                f"(or `git checkout -- data/` in a clone of the repository), or download "
                f"{spec.url} yourself and put it at {cached}.")
    if dataset.substitute:
        text += f" Without it, {dataset.substitute}"
    return DatasetMissingError(text)


def _http_reason(err: Exception) -> str:
    response = getattr(err, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP Error {response.status_code}: {response.reason}"
    return str(err)


def download(dataset, spec, target: pathlib.Path) -> None:
    """Fetch ``spec.url`` into ``target`` with pooch (progress bar, retries), check it,
    then rename it into place. A failed check leaves nothing behind."""
    import pooch

    pooch.get_logger().setLevel("WARNING")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}.", dir=target.parent) as tmp:
        fetcher = pooch.create(path=tmp, base_url="", registry={spec.name: None},
                               urls={spec.name: spec.url}, retry_if_failed=RETRIES)
        try:
            with _progress_bar(spec.name) as bar:
                path = pathlib.Path(fetcher.fetch(spec.name, downloader=pooch.HTTPDownloader(
                    progressbar=bar, timeout=60, headers={"User-Agent": "dlbook-data/1"})))
        except OSError as err:  # requests' errors are OSErrors: refused, timed out, HTTP 404
            raise _missing(dataset, spec, f"downloading it failed ({_http_reason(err)})") from None
        check_file(dataset, spec, path,
                   f"The download from {spec.url} was damaged in transit or the file there has "
                   "changed; nothing was saved. Try `make data` again later.")
        os.replace(path, target)


def _progress_bar(name: str):
    """A tqdm bar (the notebook widget under Jupyter, text elsewhere) that pooch fills;
    pooch sets its total from the server's content length."""
    from tqdm.auto import tqdm

    return tqdm(total=1, desc=name, unit="B", unit_scale=True, unit_divisor=1024, leave=True)


def find(dataset, spec, download_missing: bool = True) -> pathlib.Path:
    """The checked path of one file: bundled copy, else Keras cache, else a download."""
    bundled, cached = bundled_path(dataset, spec), cached_path(dataset, spec)
    if bundled is not None and bundled.exists():
        check_file(dataset, spec, bundled,
                   f"Restore it with `git checkout -- {bundled.relative_to(data_dir().parent)}` "
                   "or rebuild it with `make bundle`.")
        return bundled
    if not cached.exists():
        if not download_missing or offline() or spec.url is None:
            raise _missing(dataset, spec, "downloads are switched off (DLBOOK_OFFLINE=1)"
                           if download_missing else "downloading was not asked for")
        download(dataset, spec, cached)
    check_file(dataset, spec, cached, f"Delete {cached} and run `make data` to fetch it again.")
    return cached


# --- archives ----------------------------------------------------------------------------

def _wanted_member(member: tarfile.TarInfo, skip: tuple[str, ...]) -> bool:
    """False for macOS metadata (``._name``, ``.DS_Store``) and the ``skip`` folders."""
    parts = member.name.split("/")
    return not (parts[-1].startswith("._") or parts[-1] == ".DS_Store" or "__MACOSX" in parts
                or any(s in parts for s in skip))


def unpacked(dataset, download_missing: bool = True) -> tuple[pathlib.Path, str]:
    """The checked, unpacked folder of an archive entry, and a one-line summary.

    A folder already there is accepted after its layout check (once checked it
    carries a mark, and only its layout is checked again); else the archive is
    found or downloaded, unpacked into a temporary folder, checked, and renamed
    into place, so nothing that looks complete is left by a failure.
    """
    spec = dataset.files[0]
    target = keras_cache_dir() / dataset.cache_subdir / dataset.unpack_to
    problem = None
    if target.is_dir():
        marked = (target / UNPACKED_MARK).exists()
        try:
            root, summary = dataset.layout(target)
        except DatasetCorruptError as err:
            if marked:
                raise DatasetCorruptError(
                    f"{dataset.title}: the unpacked copy at {target} is damaged: {err}. Delete "
                    f"{target} and run `make data` (or call this again) to unpack it afresh."
                ) from None
            problem = err  # a partial or hand-made copy: the archive replaces it, if it can be had
        else:
            if not marked:
                (root / UNPACKED_MARK).write_text(f"(found unpacked)\n{summary}\n")
            return root, summary
    try:
        archive = find(dataset, spec, download_missing)
    except DatasetMissingError as err:
        if problem is None:
            raise
        raise DatasetCorruptError(f"{dataset.title}: the folder {target} is not a complete copy "
                                  f"({problem}). {err}") from None
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{dataset.unpack_to}.", dir=target.parent))
    try:
        try:
            with tarfile.open(archive) as tar:
                members = [m for m in tar.getmembers() if _wanted_member(m, dataset.skip_members)]
                tar.extractall(tmp, members=members, filter="data")
        except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
            raise DatasetCorruptError(
                f"{dataset.title}: {archive} cannot be unpacked ({err}); it is truncated or "
                "damaged. Delete it and run `make data` to fetch it again.") from None
        try:
            root, summary = dataset.layout(tmp)
        except DatasetCorruptError as err:
            checked = "passes its checksum but" if spec.checksum else "has no published checksum and"
            raise DatasetCorruptError(
                f"{dataset.title}: {archive} {checked} does not hold the published dataset: "
                f"{err}. Nothing was unpacked. Delete {archive} and run `make data` to fetch "
                f"it again from {spec.url}.") from None
        (root / UNPACKED_MARK).write_text(f"{spec.name}\n{summary}\n")
        if target.exists():
            shutil.rmtree(target)  # an incomplete or hand-made copy: replace it
        os.replace(root, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target, summary


# --- layout checks, for archives and files without a published checksum ------------------

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".tif", ".tiff")


def images_in(folder: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def _root_holding(folder: pathlib.Path, wanted: tuple[str, ...]) -> pathlib.Path:
    """``folder`` itself, or its only subfolder, whichever holds the ``wanted`` folders."""
    if all((folder / w).is_dir() for w in wanted):
        return folder
    subfolders = [p for p in folder.iterdir() if p.is_dir()]
    if len(subfolders) == 1 and all((subfolders[0] / w).is_dir() for w in wanted):
        return subfolders[0]
    found = sorted(p.name for p in folder.iterdir())[:10]
    raise DatasetCorruptError(f"the archive does not have the published layout: no folder "
                              f"{'/, '.join(wanted)}/ at its top (it holds {found})")


def numbered_images_layout(count: int, n_classes: int, folder: str = "jpg", manifest=None):
    """``folder/image_0001.jpg`` … ``image_<count>.jpg``, nothing missing or extra, in
    ``n_classes`` blocks of equal size. With a ``manifest`` (a ``sha256sum`` file),
    a copy found already unpacked is also checked file by file against it."""
    if count % n_classes:
        raise ValueError(f"{count} images do not split into {n_classes} equal blocks")

    def check(unpacked: pathlib.Path) -> tuple[pathlib.Path, str]:
        root = _root_holding(unpacked, (folder,))
        names = {p.name for p in images_in(root / folder)}
        expected = {f"image_{i:04d}.jpg" for i in range(1, count + 1)}
        if names != expected:
            missing, extra = sorted(expected - names), sorted(names - expected)
            raise DatasetCorruptError(
                f"{root / folder} should hold exactly the {count} images image_0001.jpg to "
                f"image_{count:04d}.jpg; {len(missing)} are missing {missing[:3]} and "
                f"{len(extra)} are unexpected {extra[:3]}")
        if manifest is not None and not (root / UNPACKED_MARK).exists():
            check_manifest(root / folder, manifest)
        return root, (f"{count} images image_0001.jpg to image_{count:04d}.jpg: "
                      f"{n_classes} classes x {count // n_classes} in consecutive blocks")
    return check


def check_manifest(folder: pathlib.Path, manifest: pathlib.Path) -> None:
    """Every file a ``sha256sum`` manifest lists is in ``folder`` with that SHA-256."""
    for line in manifest.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        name = name.lstrip("*")
        path = folder / name
        if not path.exists() or sha256_of(path) != digest:
            raise DatasetCorruptError(
                f"{path} is {'missing' if not path.exists() else 'not the published file'} "
                f"(checked against {manifest.name}, SHA-256 {digest[:16]}…)")


def class_folders_layout(totals: dict, classes: tuple[str, ...]):
    """``<split>/<class>/`` image folders, none empty, and ``totals[split]`` images in
    each split where that number is published (``None``: any number)."""
    def check(unpacked: pathlib.Path) -> tuple[pathlib.Path, str]:
        root = _root_holding(unpacked, tuple(totals))
        parts = []
        for split, total in totals.items():
            counts = []
            for name in classes:
                folder = root / split / name
                n = len(images_in(folder)) if folder.is_dir() else 0
                if n == 0:
                    raise DatasetCorruptError(f"{folder} is missing or holds no images")
                counts.append(n)
            if total is not None and sum(counts) != total:
                raise DatasetCorruptError(
                    f"{root / split} holds {sum(counts)} images; the published dataset has {total}")
            parts.append(f"{split}: " + " + ".join(f"{n} {c}" for n, c in zip(counts, classes)))
        return root, "; ".join(parts)
    return check


def rated_texts_layout(per_folder: int, ratings: dict[str, range], splits=("train", "test")):
    """``<split>/<label>/{id}_{rating}.txt``: ``per_folder`` files in each folder, every
    name of that form, every rating in the range its label allows."""
    import re

    def check(unpacked: pathlib.Path) -> tuple[pathlib.Path, str]:
        root = _root_holding(unpacked, splits)
        for split in splits:
            for label, allowed in ratings.items():
                folder = root / split / label
                names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
                found = [re.fullmatch(r"(\d+)_(\d+)\.txt", n) for n in names]
                bad = [n for n, m in zip(names, found) if not m or int(m[2]) not in allowed]
                if len(names) != per_folder or bad:
                    raise DatasetCorruptError(
                        f"{folder} should hold {per_folder} files named {{id}}_{{rating}}.txt with "
                        f"ratings {allowed.start}-{allowed.stop - 1}; it holds {len(names)}"
                        + (f", {len(bad)} of them unexpected {sorted(bad)[:3]}" if bad else ""))
        return root, (f"{len(splits)} x {len(ratings)} folders of {per_folder} rated texts "
                      f"({', '.join(splits)} x {', '.join(ratings)})")
    return check


def npy_rows_layout(columns: int, dtype: str, rows: range):
    """A single ``.npy`` file of shape ``(n, columns)`` and this ``dtype``, ``n`` in ``rows``;
    read from its header only, so a truncated file is caught by its size."""
    import numpy as np

    def check(path: pathlib.Path) -> tuple[pathlib.Path, str]:
        try:
            array = np.load(path, mmap_mode="r")
        except (ValueError, OSError, EOFError) as err:
            raise DatasetCorruptError(f"is not a complete .npy file ({err})") from None
        if array.ndim != 2 or array.shape[1] != columns or array.dtype != dtype \
                or array.shape[0] not in rows:
            raise DatasetCorruptError(
                f"holds an array of shape {array.shape} and dtype {array.dtype}; the published "
                f"file has ({rows.start:,} to {rows.stop - 1:,}, {columns}) {dtype}")
        return path, f"{array.shape[0]:,} x {columns} {dtype}"
    return check
