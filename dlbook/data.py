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

Download-only assets (:data:`DOWNLOADS`: Oxford Flowers 17, the hot-dog images,
Keras's ImageNet weights and class index) are never bundled. They live in the
Keras cache only, are checked there streaming (they are large) and are handed
over as paths: :func:`fetch` for single files, :func:`load_oxford_flowers17` and
:func:`hot_dog_dir` for the two image archives, which are unpacked next to
their archive and checked for the layout the dataset is published with.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import pathlib
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import zlib
from collections.abc import Callable
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

    Download-only files have no bundled copy: ``sha256`` is then the checksum
    of the file at ``url`` where one is published, else ``None`` with ``md5``
    where only an MD5 is published (Keras records MD5s for its weights). A file
    with neither is checked by its dataset's ``layout`` check instead.
    """

    name: str
    sha256: str | None
    url: str
    url_sha256: str | None = None
    gzipped: bool = False
    md5: str | None = None

    @property
    def accepted(self) -> set[str]:
        return {h for h in (self.sha256, self.url_sha256) if h}

    @property
    def checksum(self) -> tuple[str, set[str]] | None:
        """``(algorithm, accepted digests)``, or ``None`` where none is published."""
        if self.accepted:
            return "sha256", self.accepted
        if self.md5:
            return "md5", {self.md5}
        return None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    files: tuple[FileSpec, ...]
    bundle_dir: str | None  # folder under data/; None for download-only assets
    cache_subdir: str  # folder under the Keras cache
    licence: str
    source: str
    #: For archives: the folder (under ``cache_subdir``) they are unpacked into,
    #: and the check of the unpacked layout. ``layout(folder)`` returns the root
    #: the loaders use and a one-line summary, or raises DatasetCorruptError.
    unpack_to: str | None = None
    layout: Callable[[pathlib.Path], tuple[pathlib.Path, str]] | None = None


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

#: Oxford Flowers 17 class names, in label order: image_0001.jpg to
#: image_0080.jpg are daffodils, the next 80 snowdrops, and so on.
FLOWERS17_CLASSES = (
    "daffodil", "snowdrop", "lily of the valley", "bluebell", "crocus",
    "iris", "tiger lily", "tulip", "fritillary", "sunflower",
    "daisy", "colts' foot", "dandelion", "cowslip", "buttercup",
    "windflower", "pansy",
)

#: The two classes of the hot-dog images, in the order DLI's notebook uses.
HOT_DOG_CLASSES = ("hot_dog", "not_hot_dog")

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".tif", ".tiff")


# --- layout checks of unpacked archives ------------------------------------------

def _root_holding(folder: pathlib.Path, wanted: tuple[str, ...]) -> pathlib.Path:
    """``folder`` itself, or its only subfolder, whichever holds the ``wanted`` folders."""
    if all((folder / w).is_dir() for w in wanted):
        return folder
    subfolders = [p for p in folder.iterdir() if p.is_dir()]
    if len(subfolders) == 1 and all((subfolders[0] / w).is_dir() for w in wanted):
        return subfolders[0]
    found = sorted(p.name for p in folder.iterdir())[:10]
    raise DatasetCorruptError(
        f"the archive does not have the published layout: no folder {'/, '.join(wanted)}/ "
        f"at its top (it holds {found})"
    )


def _images_in(folder: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def numbered_images_layout(count: int, n_classes: int, folder: str = "jpg"):
    """Layout check: ``folder/image_0001.jpg`` … ``image_<count>.jpg``, nothing missing,
    nothing extra, in ``n_classes`` consecutive blocks of equal size."""
    if count % n_classes:
        raise ValueError(f"{count} images do not split into {n_classes} equal blocks")

    def check(unpacked: pathlib.Path) -> tuple[pathlib.Path, str]:
        root = _root_holding(unpacked, (folder,))
        names = {p.name for p in _images_in(root / folder)}
        expected = {f"image_{i:04d}.jpg" for i in range(1, count + 1)}
        if names != expected:
            missing, extra = sorted(expected - names), sorted(names - expected)
            raise DatasetCorruptError(
                f"{root / folder} should hold exactly the {count} images image_0001.jpg to "
                f"image_{count:04d}.jpg; {len(missing)} are missing {missing[:3]} and "
                f"{len(extra)} are unexpected {extra[:3]}"
            )
        return root, (f"{count} images image_0001.jpg to image_{count:04d}.jpg: "
                      f"{n_classes} classes x {count // n_classes} in consecutive blocks")
    return check


def class_folders_layout(totals: dict[str, int | None], classes: tuple[str, ...]):
    """Layout check: ``<split>/<class>/`` image folders, none empty, and
    ``totals[split]`` images in each split where that number is published."""
    def check(unpacked: pathlib.Path) -> tuple[pathlib.Path, str]:
        root = _root_holding(unpacked, tuple(totals))
        parts = []
        for split, total in totals.items():
            counts = []
            for name in classes:
                folder = root / split / name
                n = len(_images_in(folder)) if folder.is_dir() else 0
                if n == 0:
                    raise DatasetCorruptError(f"{folder} is missing or holds no images")
                counts.append(n)
            if total is not None and sum(counts) != total:
                raise DatasetCorruptError(
                    f"{root / split} holds {sum(counts)} images; the published dataset has {total}"
                )
            parts.append(f"{split}: " + " + ".join(f"{n} {c}" for n, c in zip(counts, classes)))
        return root, "; ".join(parts)
    return check


# --- download-only assets ----------------------------------------------------------

KERAS_APPLICATIONS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
VGG_WEIGHTS_LICENCE = ("CC BY 4.0 (Karen Simonyan and Andrew Zisserman, Visual Geometry Group, "
                       "University of Oxford); converted to Keras by the Keras authors")


def _keras_file(key: str, title: str, file: str, url: str, md5: str, licence: str) -> Dataset:
    """A file Keras itself downloads into ``$KERAS_HOME/models`` (with this MD5)."""
    return Dataset(
        name=key, title=title, files=(FileSpec(file, sha256=None, url=url, md5=md5),),
        bundle_dir=None, cache_subdir="models", licence=licence, source=url,
    )


DOWNLOADS: dict[str, Dataset] = {
    "oxford_flowers17": Dataset(
        name="oxford_flowers17",
        title="Oxford Flowers 17",
        files=(
            FileSpec(
                "17flowers.tgz",
                sha256="fe38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70",
                url="https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz",
                md5="b59a65d8d1a99cd66944d474e1289eab",
            ),
        ),
        bundle_dir=None,
        cache_subdir="datasets",
        licence="not stated on the dataset page (Maria-Elena Nilsback and Andrew Zisserman, "
                "Visual Geometry Group, University of Oxford)",
        source="https://www.robots.ox.ac.uk/~vgg/data/flowers/17/",
        unpack_to="17flowers",
        layout=numbered_images_layout(1360, len(FLOWERS17_CLASSES)),
    ),
    "hot_dog": Dataset(
        name="hot_dog",
        title="Hot dog / not hot dog",
        files=(
            FileSpec(
                "hot-dog-not-hot-dog.tar.gz",
                sha256=None,  # no checksum is published anywhere: the layout is checked
                url="https://www.dropbox.com/s/86r9z1kb42422up/hot-dog-not-hot-dog.tar.gz?dl=1",
            ),
        ),
        bundle_dir=None,
        cache_subdir="datasets",
        licence="not stated by the distributors (Dan Becker's Kaggle dataset "
                "dansbecker/hot-dog-not-hot-dog, mirrored by DLI's authors)",
        source="https://github.com/the-deep-learners/deep-learning-illustrated "
               "(notebooks/transfer_learning_in_keras.ipynb)",
        unpack_to="hot-dog-not-hot-dog",
        layout=class_folders_layout({"train": 498, "test": 500}, HOT_DOG_CLASSES),
    ),
    "vgg16_weights": _keras_file(
        "vgg16_weights", "VGG16 ImageNet weights (with the dense top)",
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        KERAS_APPLICATIONS_URL + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "64373286793e3c8b2b4e3219cbf3544b", VGG_WEIGHTS_LICENCE,
    ),
    "vgg16_weights_notop": _keras_file(
        "vgg16_weights_notop", "VGG16 ImageNet weights (convolutional base, no top)",
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        KERAS_APPLICATIONS_URL + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "6d6bbae143d832006294945121d1f1fc", VGG_WEIGHTS_LICENCE,
    ),
    "vgg19_weights_notop": _keras_file(
        "vgg19_weights_notop", "VGG19 ImageNet weights (convolutional base, no top)",
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        KERAS_APPLICATIONS_URL + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "253f8cb515780f3b799900260a226db6", VGG_WEIGHTS_LICENCE,
    ),
    "imagenet_class_index": _keras_file(
        "imagenet_class_index", "ImageNet class index (names of the 1,000 classes)",
        "imagenet_class_index.json",
        "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
        "c2c37ea517e94d9795004a39431a14cb",
        "Apache 2.0 (Keras); class names from ImageNet (ILSVRC 2012) and WordNet",
    ),
}


def keras_cache_dir() -> pathlib.Path:
    """The folder Keras caches downloads in (``$KERAS_HOME`` or ``~/.keras``)."""
    return pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras"))


def offline() -> bool:
    """True when ``DLBOOK_OFFLINE`` forbids downloads (the test suite sets it)."""
    return os.environ.get("DLBOOK_OFFLINE", "").lower() in ("1", "true", "yes")


def _streamed_digest(path: pathlib.Path, algorithm: str, gzipped: bool = False) -> str:
    """The checksum of a file (or of its decompressed contents), read 1 MB at a time."""
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


def sha256_of(path: pathlib.Path, gzipped: bool = False) -> str:
    return _streamed_digest(pathlib.Path(path), "sha256", gzipped)


def _algorithm_name(algorithm: str) -> str:
    return {"sha256": "SHA-256", "md5": "MD5"}[algorithm]


def _checksum_failure(dataset: Dataset, spec: FileSpec, path, algorithm: str, digest: str,
                      remedy: str) -> DatasetCorruptError:
    expected = sorted(spec.checksum[1])[0] if algorithm == "md5" else spec.sha256 or spec.url_sha256
    return DatasetCorruptError(
        f"{dataset.title}: {path} fails its checksum, so it is truncated, damaged or "
        f"not the original file ({_algorithm_name(algorithm)} {digest[:16]}…, "
        f"expected {expected[:16]}…). {remedy}"
    )


#: Files already checked in this process: (path, size, mtime) -> True.
_CHECKED: dict[tuple[str, int, int], bool] = {}


def _check_file(dataset: Dataset, spec: FileSpec, path: pathlib.Path, remedy: str) -> None:
    """Check ``path`` against its checksum without reading it into memory.

    A file without a published checksum passes here; its dataset's ``layout``
    check (after unpacking) is what vouches for it.
    """
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if _CHECKED.get(key) or spec.checksum is None:
        return
    algorithm, accepted = spec.checksum
    try:
        digest = _streamed_digest(path, algorithm, spec.gzipped)
    except DatasetCorruptError as err:
        raise DatasetCorruptError(f"{dataset.title}: {err} {remedy}") from None
    if digest not in accepted:
        raise _checksum_failure(dataset, spec, path, algorithm, digest, remedy)
    _CHECKED[key] = True


def _verified(dataset: Dataset, spec: FileSpec, path: pathlib.Path, remedy: str) -> bytes:
    """Check ``path`` and return its contents (decompressed for ``gzipped`` files)."""
    _check_file(dataset, spec, path, remedy)
    raw = path.read_bytes()
    return gzip.decompress(raw) if spec.gzipped else raw


def _download(dataset: Dataset, spec: FileSpec, target: pathlib.Path) -> None:
    """Fetch ``spec.url`` into ``target`` atomically: into a temporary file next
    to it, checked, then renamed. A failed check leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.name}.", dir=target.parent)
    tmp = pathlib.Path(tmp_name)
    try:
        request = urllib.request.Request(spec.url, headers={"User-Agent": "dlbook-data/1"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=60) as response:
            while chunk := response.read(1 << 20):
                out.write(chunk)
        _check_file(
            dataset, spec, tmp,
            f"The download from {spec.url} was damaged in transit or the file there has "
            "changed; nothing was saved. Try `make data` again later.",
        )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _missing_message(dataset: Dataset, spec: FileSpec, bundled, cached, why: str) -> str:
    if bundled is None:  # download-only
        return (
            f"{dataset.title} is not available: {spec.name} is not in the Keras cache at "
            f"{cached}, and {why}. It is download-only (never bundled with the repository). "
            f"Remedy: run `make data` once on a machine with internet access, or download "
            f"{spec.url} yourself and copy the file into the Keras cache at {cached}."
        )
    return (
        f"{dataset.title} is not available: {spec.name} is neither bundled at {bundled} "
        f"nor cached at {cached}, and {why}. Remedy: run `make data` once while online "
        f"(or `git checkout -- data/` in a clone of the repository), or download "
        f"{spec.url} yourself and put it at {cached}."
    )


def _obtain(dataset: Dataset, spec: FileSpec, bundled, cached: pathlib.Path, download: bool) -> None:
    """Download ``spec`` into ``cached``, or raise DatasetMissingError saying why not."""
    if not download or offline():
        raise DatasetMissingError(
            _missing_message(dataset, spec, bundled, cached, _why_missing(download)))
    try:
        _download(dataset, spec, cached)
    except OSError as err:  # URLError, timeouts and refused connections
        raise DatasetMissingError(_missing_message(
            dataset, spec, bundled, cached, f"downloading it failed ({err})"
        )) from None


def _why_missing(download: bool) -> str:
    return ("downloads are switched off (DLBOOK_OFFLINE=1)" if download
            else "downloading was not asked for")


def _registry_entry(name: str) -> Dataset:
    if name in DATASETS:
        return DATASETS[name]
    if name in DOWNLOADS:
        return DOWNLOADS[name]
    raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}; "
                   f"download-only: {', '.join(DOWNLOADS)}")


def locate(name: str, download: bool = True) -> dict[str, bytes]:
    """Return ``{file name: checked contents}`` for every file of dataset ``name``."""
    if name not in DATASETS:
        _registry_entry(name)  # raises KeyError for unknown names
        raise KeyError(f"{name!r} is download-only and large: use fetch({name!r}), "
                       "which returns a path")
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
        else:
            _obtain(dataset, spec, bundled, cached, download)
            contents[spec.name] = _verified(
                dataset, spec, cached, f"Delete {cached} and run `make data` to fetch it again."
            )
    return contents


# --- download-only assets: paths, never bytes ----------------------------------------

def fetch(name: str, download: bool = True) -> pathlib.Path:
    """The checked path of download-only asset ``name`` (one of :data:`DOWNLOADS`).

    Looks in the Keras cache (``$KERAS_HOME/models`` for Keras's weights and
    class index, so that ``keras.applications`` finds them there too;
    ``$KERAS_HOME/datasets`` for the image archives), else downloads the file
    there atomically with its checksum, unless ``DLBOOK_OFFLINE=1``. Raises
    :class:`DatasetMissingError` (naming the file, the address and the remedy)
    or :class:`DatasetCorruptError`. For an archive this is the archive itself;
    :func:`load_oxford_flowers17` and :func:`hot_dog_dir` unpack it.
    """
    dataset = _registry_entry(name)
    if name not in DOWNLOADS:
        raise KeyError(f"{name!r} is bundled: use load_{name}() (or locate({name!r}))")
    (spec,) = dataset.files
    cached = keras_cache_dir() / dataset.cache_subdir / spec.name
    if cached.exists():
        _check_file(dataset, spec, cached, f"Delete {cached} and run `make data` to fetch it again.")
        return cached
    _obtain(dataset, spec, None, cached, download)
    return cached


_UNPACKED_MARK = ".dlbook-unpacked"


def _skip_member(member: tarfile.TarInfo) -> bool:
    """macOS metadata that archives made on a Mac carry (``._name``, ``.DS_Store``)."""
    base = member.name.rsplit("/", 1)[-1]
    return base.startswith("._") or base == ".DS_Store" or "__MACOSX" in member.name.split("/")


def unpacked(name: str, download: bool = True) -> tuple[pathlib.Path, str]:
    """Unpack archive asset ``name`` next to its archive (once) and check its layout.

    Returns ``(root folder, one-line summary of the layout)``. The archive is
    unpacked into a temporary folder, checked, then renamed into place, so an
    interrupted or failed unpacking leaves nothing that looks complete.
    """
    dataset = _registry_entry(name)
    if dataset.unpack_to is None:
        raise KeyError(f"{name!r} is a single file, not an archive: use fetch({name!r})")
    target = keras_cache_dir() / dataset.cache_subdir / dataset.unpack_to
    if (target / _UNPACKED_MARK).exists():
        try:
            return dataset.layout(target)
        except DatasetCorruptError as err:
            raise DatasetCorruptError(
                f"{dataset.title}: the unpacked copy at {target} is damaged: {err}. "
                f"Delete {target} and run `make data` (or call this again) to unpack it afresh."
            ) from None
    archive = fetch(name, download=download)
    spec = dataset.files[0]
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{dataset.unpack_to}.", dir=target.parent))
    try:
        try:
            with tarfile.open(archive) as tar:
                members = [m for m in tar.getmembers() if not _skip_member(m)]
                tar.extractall(tmp, members=members, filter="data")
        except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
            raise DatasetCorruptError(
                f"{dataset.title}: {archive} cannot be unpacked ({err}); it is truncated or "
                f"damaged. Delete it and run `make data` to fetch it again."
            ) from None
        try:
            root, summary = dataset.layout(tmp)
        except DatasetCorruptError as err:
            checked = "passes its checksum but" if spec.checksum else "has no published checksum and"
            raise DatasetCorruptError(
                f"{dataset.title}: {archive} {checked} does not hold the published dataset: "
                f"{err}. Nothing was unpacked. Delete {archive} and run `make data` to fetch "
                f"it again from {spec.url}."
            ) from None
        (root / _UNPACKED_MARK).write_text(f"{spec.name}\n{summary}\n")
        if target.exists() and not (target / _UNPACKED_MARK).exists():
            shutil.rmtree(target)  # an incomplete or hand-made copy: replace it
        try:
            os.replace(root, target)
        except OSError:
            if not (target / _UNPACKED_MARK).exists():  # else another process was quicker
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target, summary


def hot_dog_dir(download: bool = True) -> pathlib.Path:
    """The unpacked hot-dog images: a folder with ``train/{hot_dog,not_hot_dog}``
    and ``test/{hot_dog,not_hot_dog}`` (498 and 500 images), for
    ``keras.utils.image_dataset_from_directory``. Download-only (see :func:`fetch`)."""
    return unpacked("hot_dog", download=download)[0]


def load_oxford_flowers17(image_size: int = 224, download: bool = True):
    """Oxford Flowers 17 as ``(x, y)``: ``x`` uint8 (1360, s, s, 3), ``y`` int64 (1360,).

    Every photo is resized to ``image_size`` x ``image_size`` without keeping its
    aspect ratio (Lanczos filter), as tflearn's ``oxflower17.load_data`` did for
    DLI. The images come in file order, that is in 17 consecutive blocks of 80
    (labels 0, 0, …, 16); shuffle before any ``validation_split``. Class names
    are in :data:`FLOWERS17_CLASSES`. Download-only (see :func:`fetch`).
    """
    from PIL import Image

    root, _ = unpacked("oxford_flowers17", download=download)
    files = _images_in(root / "jpg")
    x = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as image:
            x[i] = np.asarray(image.convert("RGB").resize((image_size, image_size),
                                                          Image.Resampling.LANCZOS))
    per_class = len(files) // len(FLOWERS17_CLASSES)
    y = np.arange(len(files), dtype=np.int64) // per_class
    return x, y


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


def _fetch_one(name: str, download: bool) -> str:
    """Make asset ``name`` available (or, without ``download``, check it); return an ok line."""
    if name in DATASETS or name not in DOWNLOADS:
        contents = locate(name, download=download)
        size = sum(len(c) for c in contents.values()) / 1e6
        return f"{len(contents)} file(s), {size:.1f} MB checked"
    dataset = DOWNLOADS[name]
    spec = dataset.files[0]
    if dataset.unpack_to is None:
        path = fetch(name, download=download)
        how = f"{_algorithm_name(spec.checksum[0])} checked" if spec.checksum else "no checksum"
        return f"{path} ({path.stat().st_size / 1e6:.1f} MB, {how})"
    root, summary = unpacked(name, download=download)
    archive = keras_cache_dir() / dataset.cache_subdir / spec.name
    if spec.checksum:
        how = f"archive {_algorithm_name(spec.checksum[0])} checked"
    else:
        how = "no checksum is published for the archive, so its layout was checked"
        if archive.exists():
            how += f"; its SHA-256 here is {sha256_of(archive)}"
    return f"{root} ({summary}; {how})"


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlbook.data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("fetch", "verify"),
                        help="fetch: make every dataset and download-only asset available "
                             "offline (downloads what is missing); verify: check what is on "
                             "disk, download nothing (absent download-only assets are "
                             "reported, not failed)")
    parser.add_argument("names", nargs="*",
                        help=f"datasets (default: all of {', '.join(DATASETS)}, "
                             f"and the download-only {', '.join(DOWNLOADS)})")
    args = parser.parse_args(argv)
    fetching = args.command == "fetch"
    failed = 0
    for name in args.names or [*DATASETS, *DOWNLOADS]:
        try:
            print(f"ok      {name}: {_fetch_one(name, download=fetching)}")
        except DatasetMissingError as err:
            if not fetching and name in DOWNLOADS:
                spec = DOWNLOADS[name].files[0]
                cached = keras_cache_dir() / DOWNLOADS[name].cache_subdir / spec.name
                print(f"absent  {name}: download-only and not in the Keras cache ({cached}); "
                      f"`make data` on a machine with internet access fetches it from {spec.url}")
            else:
                failed += 1
                print(f"FAILED  {name}: {err}", file=sys.stderr)
        except (DatasetError, KeyError) as err:
            failed += 1
            print(f"FAILED  {name}: {err}", file=sys.stderr)
    if failed:
        print(f"{failed} of {len(args.names or [*DATASETS, *DOWNLOADS])} failed.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_main())
