"""Dataset loaders that work offline and never use a damaged file.

Each loader looks for its files in this order:

1. the bundled copy in the repository's ``data/`` folder;
2. the Keras cache (``$KERAS_HOME/datasets``, by default ``~/.keras/datasets``);
3. the canonical download address, fetched into the Keras cache atomically
   (a temporary file, checked, then renamed), unless ``DLBOOK_OFFLINE=1``.

Every file is checked against its SHA-256 before it is used. A file that fails
the check raises :class:`DatasetCorruptError`; a file that cannot be found or
fetched raises :class:`DatasetMissingError`. Both messages name the dataset,
the file, the remedy and the download address.

Run ``python -m dlbook.data fetch`` (``make data``) to make every dataset
available for offline work, and ``python -m dlbook.data verify`` to check them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import pathlib
import sys
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass

import numpy as np

#: The repository's data folder (override with ``DLBOOK_DATA``).
DATA_DIR = pathlib.Path(
    os.environ.get("DLBOOK_DATA", pathlib.Path(__file__).resolve().parent.parent / "data")
)

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


class DatasetError(Exception):
    """Base class of the errors raised by the loaders."""


class DatasetMissingError(DatasetError, FileNotFoundError):
    """No copy of a dataset file is on disk and none could be downloaded."""


class DatasetCorruptError(DatasetError, ValueError):
    """A dataset file is on disk but its contents fail the checksum."""


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset.

    ``sha256`` is the checksum of the bundled copy. ``url_sha256`` is the
    checksum of the file served at ``url`` where that file differs from the
    bundled copy. For ``gzipped`` files the checksum covers the decompressed
    bytes, so any faithful gzip wrapper of the same data passes.
    """

    name: str
    sha256: str
    url: str
    url_sha256: str | None = None
    gzipped: bool = False

    @property
    def accepted(self) -> set[str]:
        return {h for h in (self.sha256, self.url_sha256) if h}


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    files: tuple[FileSpec, ...]
    bundle_dir: str  # folder under data/
    cache_subdir: str  # folder under the Keras cache
    licence: str
    source: str


DATASETS: dict[str, Dataset] = {
    "mnist": Dataset(
        name="mnist",
        title="MNIST",
        files=(
            FileSpec(
                "mnist.npz",
                sha256="8e083283c91432a55ec214b424b750f347064b1c21bf79cd5a9a425e1c6c2048",
                url=KERAS_DATASETS_URL + "mnist.npz",
                url_sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            ),
        ),
        bundle_dir=".",
        cache_subdir="datasets",
        licence="CC BY-SA 3.0 (Yann LeCun, Corinna Cortes, Christopher J.C. Burges)",
        source="http://yann.lecun.com/exdb/mnist/",
    ),
    "fashion_mnist": Dataset(
        name="fashion_mnist",
        title="Fashion-MNIST",
        files=tuple(
            FileSpec(name, sha256=digest, url=KERAS_DATASETS_URL + "fashion-mnist/" + name,
                     gzipped=True)
            for name, digest in (
                ("train-labels-idx1-ubyte.gz",
                 "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                ("train-images-idx3-ubyte.gz",
                 "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                ("t10k-labels-idx1-ubyte.gz",
                 "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
                ("t10k-images-idx3-ubyte.gz",
                 "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            )
        ),
        bundle_dir="fashion-mnist",
        cache_subdir="datasets/fashion-mnist",
        licence="MIT (Zalando SE)",
        source="https://github.com/zalandoresearch/fashion-mnist",
    ),
    "boston_housing": Dataset(
        name="boston_housing",
        title="Boston housing",
        files=(
            FileSpec(
                "boston_housing.npz",
                sha256="f3e87b1c4c794a09c9ef8499bca7dcfed9808af88dc2ae8d47a6140d208c9703",
                url=KERAS_DATASETS_URL + "boston_housing.npz",
                url_sha256="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
            ),
        ),
        bundle_dir=".",
        cache_subdir="datasets",
        licence="public domain (U.S. Census data, Harrison and Rubinfeld 1978; StatLib)",
        source="http://lib.stat.cmu.edu/datasets/boston",
    ),
}

#: Fashion-MNIST class names, in label order.
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def keras_cache_dir() -> pathlib.Path:
    """The folder Keras caches downloads in (``$KERAS_HOME`` or ``~/.keras``)."""
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras"))


def offline() -> bool:
    """True when ``DLBOOK_OFFLINE`` forbids downloads (the test suite sets it)."""
    return os.environ.get("DLBOOK_OFFLINE", "").lower() in ("1", "true", "yes")


def _content(path: pathlib.Path, gzipped: bool) -> bytes:
    """The bytes a checksum covers: the file, or its decompressed contents."""
    raw = path.read_bytes()
    if not gzipped:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise DatasetCorruptError(
            f"{path} is not a complete gzip file ({err}); it is truncated or damaged."
        ) from err


def sha256_of(path: pathlib.Path, gzipped: bool = False) -> str:
    return hashlib.sha256(_content(path, gzipped)).hexdigest()


def _verified(dataset: Dataset, spec: FileSpec, path: pathlib.Path, remedy: str) -> bytes:
    """Read ``path`` and return its checked contents, or raise DatasetCorruptError."""
    try:
        content = _content(path, spec.gzipped)
    except DatasetCorruptError as err:
        raise DatasetCorruptError(f"{dataset.title}: {err} {remedy}") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest not in spec.accepted:
        raise DatasetCorruptError(
            f"{dataset.title}: {path} fails its checksum, so it is truncated, damaged or "
            f"not the original file (SHA-256 {digest[:16]}…, expected "
            f"{spec.sha256[:16]}…). {remedy}"
        )
    return content


def _download(dataset: Dataset, spec: FileSpec, target: pathlib.Path) -> bytes:
    """Fetch ``spec.url`` into ``target`` atomically; return the checked contents."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.name}.", dir=target.parent)
    tmp = pathlib.Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(spec.url, timeout=60) as response:
            while chunk := response.read(1 << 20):
                out.write(chunk)
        content = _verified(
            dataset, spec, tmp,
            f"The download from {spec.url} was damaged in transit or the file there has "
            "changed; nothing was saved. Try `make data` again later.",
        )
        os.replace(tmp, target)
        return content
    finally:
        tmp.unlink(missing_ok=True)


def _missing_message(dataset: Dataset, spec: FileSpec, bundled, cached, why: str) -> str:
    return (
        f"{dataset.title} is not available: {spec.name} is neither bundled at {bundled} "
        f"nor cached at {cached}, and {why}. Remedy: run `make data` once while online "
        f"(or `git checkout -- data/` in a clone of the repository), or download "
        f"{spec.url} yourself and put it at {cached}."
    )


def locate(name: str, download: bool = True) -> dict[str, bytes]:
    """Return ``{file name: checked contents}`` for every file of dataset ``name``."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    dataset = DATASETS[name]
    contents = {}
    for spec in dataset.files:
        bundled = DATA_DIR / dataset.bundle_dir / spec.name
        cached = keras_cache_dir() / dataset.cache_subdir / spec.name
        if bundled.exists():
            contents[spec.name] = _verified(
                dataset, spec, bundled,
                f"Restore it with `git checkout -- {bundled.relative_to(DATA_DIR.parent)}` "
                "or rebuild it with `make bundle`.",
            )
        elif cached.exists():
            contents[spec.name] = _verified(
                dataset, spec, cached, f"Delete {cached} and run `make data` to fetch it again."
            )
        elif not download or offline():
            why = "downloads are switched off (DLBOOK_OFFLINE=1)" if download else \
                "downloading was not asked for"
            raise DatasetMissingError(_missing_message(dataset, spec, bundled, cached, why))
        else:
            try:
                contents[spec.name] = _download(dataset, spec, cached)
            except OSError as err:  # URLError, timeouts and refused connections
                raise DatasetMissingError(_missing_message(
                    dataset, spec, bundled, cached, f"downloading it failed ({err})"
                )) from None
    return contents


def load_mnist():
    """MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 arrays, 60,000 + 10,000."""
    with np.load(io.BytesIO(locate("mnist")["mnist.npz"])) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def _idx_array(content: bytes, header: int, shape) -> np.ndarray:
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape).copy()


def load_fashion_mnist():
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``, like MNIST.

    Class names are in :data:`FASHION_MNIST_CLASSES`.
    """
    c = locate("fashion_mnist")
    y_train = _idx_array(c["train-labels-idx1-ubyte.gz"], 8, (-1,))
    x_train = _idx_array(c["train-images-idx3-ubyte.gz"], 16, (-1, 28, 28))
    y_test = _idx_array(c["t10k-labels-idx1-ubyte.gz"], 8, (-1,))
    x_test = _idx_array(c["t10k-images-idx3-ubyte.gz"], 16, (-1, 28, 28))
    return (x_train, y_train), (x_test, y_test)


def load_boston_housing(test_split: float = 0.2, seed: int = 113):
    """Boston housing as ``(x_train, y_train), (x_test, y_test)``.

    The split is the one ``keras.datasets.boston_housing.load_data`` makes (a
    permutation drawn with ``np.random.RandomState(seed)``, then the first
    ``1 - test_split`` for training): 404 training and 102 test rows by default,
    13 features each, targets in thousands of dollars.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split!r}")
    with np.load(io.BytesIO(locate("boston_housing")["boston_housing.npz"])) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlbook.data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("fetch", "verify"),
                        help="fetch: make every dataset available offline (downloads what is "
                             "missing); verify: check what is on disk, download nothing")
    parser.add_argument("names", nargs="*", help=f"datasets (default: all of {', '.join(DATASETS)})")
    args = parser.parse_args(argv)
    failed = 0
    for name in args.names or list(DATASETS):
        try:
            contents = locate(name, download=args.command == "fetch")
            size = sum(len(c) for c in contents.values()) / 1e6
            print(f"ok      {name}: {len(contents)} file(s), {size:.1f} MB checked")
        except (DatasetError, KeyError) as err:
            failed += 1
            print(f"FAILED  {name}: {err}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main())
