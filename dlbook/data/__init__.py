"""Datasets that work offline and are never used damaged: the loaders the notebooks call.

:mod:`~dlbook.data.catalogue` says *what* each dataset is, :mod:`~dlbook.data.store`
*how* a file is found, checked, downloaded and unpacked; this module holds the thin
``load_*`` functions. Missing files raise :class:`DatasetMissingError`, damaged ones
:class:`DatasetCorruptError`. ``python -m dlbook.data status`` shows what is here.
"""

from __future__ import annotations

import collections
import functools
import gzip
import io
import os
import re
import warnings

import numpy as np

from dlbook.data import store
from dlbook.data.catalogue import (CATALOGUE, FASHION_MNIST_CLASSES, FLOWERS17_CLASSES,
                                   HOT_DOG_CLASSES, Dataset, FileSpec)
from dlbook.data.store import (DATA_DIR, DatasetCorruptError, DatasetError, DatasetMissingError,
                               keras_cache_dir, offline, sha256_of)


class SubstituteWarning(UserWarning):
    """A loader is returning a stand-in because the real dataset is not here."""


def entry(name: str) -> Dataset:
    """The catalogue entry ``name``, or a KeyError that lists the known ones."""
    if name not in CATALOGUE:
        bundled = [n for n, d in CATALOGUE.items() if d.bundled]
        downloads = [n for n, d in CATALOGUE.items() if not d.bundled]
        raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(bundled)}; "
                       f"download-only: {', '.join(downloads)}")
    return CATALOGUE[name]


def locate(name: str, download: bool = True) -> dict[str, bytes]:
    """``{file name: checked contents}`` (decompressed if gzipped) of bundled dataset ``name``."""
    dataset = entry(name)
    if not dataset.bundled:
        raise KeyError(f"{name!r} is download-only and large: use fetch({name!r}), "
                       "which returns a path")
    contents = {}
    for spec in dataset.files:
        raw = store.find(dataset, spec, download).read_bytes()
        contents[spec.name] = gzip.decompress(raw) if spec.gzipped else raw
    return contents


def fetch(name: str, download: bool = True):
    """The checked path of the download-only file ``name``, downloaded if missing and allowed.

    Keras's weights and class index live in ``$KERAS_HOME/models``, where
    ``keras.applications`` looks too; datasets in ``$KERAS_HOME/datasets``.
    For an archive this is the archive itself: see :func:`unpacked`.
    """
    dataset = entry(name)
    if dataset.bundled:
        raise KeyError(f"{name!r} is bundled: use load_{name}() (or locate({name!r}))")
    return store.find(dataset, dataset.files[0], download)


def unpacked(name: str, download: bool = True):
    """``(folder, one-line summary)`` of archive ``name``, unpacked once and layout-checked."""
    dataset = entry(name)
    if dataset.unpack_to is None:
        raise KeyError(f"{name!r} is a single file, not an archive: use fetch({name!r})")
    return store.unpacked(dataset, download)


def available(name: str) -> bool:
    """Whether ``name`` is on disk (bundled, cached or unpacked), without checking or
    downloading it: what a notebook asks before choosing a dataset or a substitute."""
    return store.location(entry(name))[0] != "MISSING"


# --- images ------------------------------------------------------------------------

def load_mnist():
    """MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8 arrays, 60,000 + 10,000."""
    with np.load(io.BytesIO(locate("mnist")["mnist.npz"])) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def load_fashion_mnist():
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``, like MNIST.
    Class names are in :data:`FASHION_MNIST_CLASSES`."""
    c = locate("fashion_mnist")

    def idx(name, header, shape):
        return np.frombuffer(c[name], dtype=np.uint8, offset=header).reshape(shape).copy()

    return ((idx("train-images-idx3-ubyte.gz", 16, (-1, 28, 28)), idx("train-labels-idx1-ubyte.gz", 8, (-1,))),
            (idx("t10k-images-idx3-ubyte.gz", 16, (-1, 28, 28)), idx("t10k-labels-idx1-ubyte.gz", 8, (-1,))))


def load_boston_housing(test_split: float = 0.2, seed: int = 113):
    """Boston housing as ``(x_train, y_train), (x_test, y_test)``, split exactly as
    ``keras.datasets.boston_housing.load_data`` does (a permutation drawn with
    ``np.random.RandomState(seed)``): 404 + 102 rows of 13 features by default."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split!r}")
    with np.load(io.BytesIO(locate("boston_housing")["boston_housing.npz"])) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    n_train = int(len(x) * (1 - test_split))
    return (x[order[:n_train]], y[order[:n_train]]), (x[order[n_train:]], y[order[n_train:]])


def load_oxford_flowers17(image_size: int = 224, download: bool = True):
    """Oxford Flowers 17 as ``(x, y)``: ``x`` uint8 (1360, s, s, 3), ``y`` int64 (1360,).

    Each photo is resized to ``image_size`` squared without keeping its aspect
    ratio (Lanczos), as tflearn's ``oxflower17.load_data`` did for DLI. The
    images come in file order, 17 blocks of 80 (see :data:`FLOWERS17_CLASSES`):
    shuffle before any ``validation_split``. Download-only: the archive, or its
    unpacked ``jpg/`` folder checked file by file against the committed manifest.
    """
    from PIL import Image

    root, _ = unpacked("oxford_flowers17", download=download)
    files = store.images_in(root / "jpg")
    x = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    for i, path in enumerate(files):
        with Image.open(path) as image:
            x[i] = np.asarray(image.convert("RGB").resize((image_size, image_size),
                                                          Image.Resampling.LANCZOS))
    return x, np.arange(len(files), dtype=np.int64) // (len(files) // len(FLOWERS17_CLASSES))


def hot_dog_dir(download: bool = True):
    """The unpacked hot-dog images: ``train/`` and ``test/``, each with ``hot_dog/`` and
    ``not_hot_dog/`` (498 and 500 images), for ``keras.utils.image_dataset_from_directory``."""
    return unpacked("hot_dog", download=download)[0]


def load_quickdraw(category: str = "apple", limit: int | None = None, download: bool = True):
    """Quick, Draw! bitmaps of one ``category`` as uint8 ``(n, 28, 28)``, white strokes on
    black, the first ``limit`` of them (all, about 144,000 apples, by default).

    Download-only and published without a checksum: the file is checked by its
    shape and dtype instead. Only the categories of the catalogue are known."""
    name = f"quickdraw_{category}"
    if name not in CATALOGUE:
        raise KeyError(f"no Quick, Draw! category {category!r} in the catalogue; known: "
                       + ", ".join(n.removeprefix("quickdraw_") for n in CATALOGUE
                                   if n.startswith("quickdraw_")))
    bitmaps = np.load(fetch(name, download=download), mmap_mode="r")
    return np.array(bitmaps[:limit]).reshape(-1, 28, 28)


# --- text --------------------------------------------------------------------------

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def tokenize(text: str) -> list[str]:
    """Words of a review: ``<br />`` removed, lowercased, punctuation dropped; letters and
    digits with inner apostrophes stay together ("don't", "it's", "1950s")."""
    return _WORD.findall(_BREAK.sub(" ", text).lower())


@functools.lru_cache(maxsize=2)
def _reviews(substitute: bool):
    """``({split: (texts, labels)}, folder)`` in file order: the real IMDB reviews and
    their folder, or, only when allowed and said loudly, the bundled snippets rated by
    people and ``None``."""
    try:
        root, _ = unpacked("imdb")
    except DatasetMissingError as err:
        if not substitute:
            raise
        warnings.warn(SubstituteWarning(
            f"SUBSTITUTE DATA: the IMDB reviews are not here ({str(err).split(':')[0]}), so these "
            "are the 10,605 movie-review snippets rated by people (Hutto and Gilbert, 2014; "
            "short sentences, not whole reviews), positive above 0 and negative below, split "
            "in half. Results on them are not the book's. `make data` fetches IMDB."), stacklevel=3)
        return _snippets(), None
    splits = {}
    for split in ("train", "test"):
        texts, labels = [], []
        for label, folder in enumerate(("neg", "pos")):
            files = sorted((root / split / folder).glob("*.txt"), key=lambda p: int(p.stem.split("_")[0]))
            texts += [p.read_text(encoding="utf-8") for p in files]
            labels += [label] * len(files)
        splits[split] = (texts, np.array(labels, dtype=np.int64))
    return splits, root


def _snippets():
    rows = [line.split("\t") for line in load_text("movie_review_snippets").splitlines()]
    rated = [(text.strip(), int(float(score) > 0)) for _, score, text in rows if float(score) != 0]
    order = np.random.RandomState(0).permutation(len(rated))
    half = len(rated) // 2
    return {split: ([rated[i][0] for i in part], np.array([rated[i][1] for i in part], dtype=np.int64))
            for split, part in (("train", order[:half]), ("test", order[half:]))}


@functools.lru_cache(maxsize=2)
def _indexed(substitute: bool):
    """The word index (rank by frequency over all labelled reviews, ties alphabetical,
    from 1) and every review as an array of those ranks. For the real reviews both are
    kept beside them in the cache (``aclImdb/.dlbook-index-v1.npz``): later loads skip
    the tokenizing."""
    splits, root = _reviews(substitute)
    saved = root / ".dlbook-index-v1.npz" if root else None
    if saved and saved.exists():
        with np.load(saved) as f:
            ranked = f["words"].tobytes().decode("utf-8").split("\n")
            ids = {s: np.split(f[s], np.cumsum(f[f"{s}_lengths"])[:-1]) for s in splits}
        return {w: i for i, w in enumerate(ranked, start=1)}, ids
    tokens = {s: [tokenize(t) for t in texts] for s, (texts, _) in splits.items()}
    counts = collections.Counter(w for reviews in tokens.values() for review in reviews for w in review)
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(ranked, start=1)}
    ids = {s: [np.array([index[w] for w in review], dtype=np.int32) for review in reviews]
           for s, reviews in tokens.items()}
    if saved:
        tmp = saved.with_suffix(".tmp.npz")
        np.savez(tmp, words=np.frombuffer("\n".join(ranked).encode("utf-8"), dtype=np.uint8),
                 **{s: np.concatenate(x) for s, x in ids.items()},
                 **{f"{s}_lengths": np.array([len(r) for r in x]) for s, x in ids.items()})
        os.replace(tmp, saved)
    return index, ids


def imdb_word_index(substitute: bool = False) -> dict[str, int]:
    """``{word: rank}`` as ``keras.datasets.imdb.get_word_index()`` gives it (1 is the most
    frequent word); add ``index_from`` (3) to map a word to its id in :func:`load_imdb`."""
    return dict(_indexed(substitute)[0])


def load_imdb(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, substitute=False):
    """The 50,000 IMDB reviews as integer sequences, like ``keras.datasets.imdb.load_data``.

    Same arguments and semantics: word ids are frequency ranks plus ``index_from``;
    each review starts with ``start_char``; words ranked outside
    ``[skip_top, num_words)`` become ``oov_char``; reviews of ``maxlen`` ids or more
    are dropped; train and test are shuffled with ``np.random.RandomState(seed)``.
    Returns ``(x_train, y_train), (x_test, y_test)``: object arrays of lists, int64 labels.

    The reviews come from Stanford's archive (download-only; ``make data``), and
    the tokenization is ours (:func:`tokenize`): lowercase, ``<br />`` removed,
    punctuation dropped. Keras's own ``imdb.npz`` is the same reviews tokenized by
    Keras, so word counts and ranks differ slightly. ``substitute=True`` allows,
    with a loud :class:`SubstituteWarning`, the bundled movie-review snippets
    when IMDB is missing; without it a missing IMDB raises DatasetMissingError.
    """
    (splits, _), (_, ids) = _reviews(substitute), _indexed(substitute)
    rng = np.random.RandomState(seed)
    data = []
    for split in ("train", "test"):
        order = np.arange(len(ids[split]))
        rng.shuffle(order)
        xs = [ids[split][i] + index_from for i in order]
        if start_char is not None:
            xs = [np.concatenate([[start_char], x]) for x in xs]
        labels = splits[split][1][order]
        if maxlen:
            keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
            if not keep:
                raise ValueError(f"no {split} review is shorter than maxlen={maxlen}; increase maxlen")
            xs, labels = [xs[i] for i in keep], labels[keep]
        data.append((xs, labels))
    if not num_words:
        num_words = max(int(x.max()) for xs, _ in data for x in xs if len(x))
    out = []
    for xs, labels in data:
        if oov_char is not None:
            xs = [np.where((x >= skip_top) & (x < num_words), x, oov_char) for x in xs]
        else:
            xs = [x[(x >= skip_top) & (x < num_words)] for x in xs]
        sequences = np.empty(len(xs), dtype=object)
        sequences[:] = [x.tolist() for x in xs]
        out.append((sequences, labels))
    return tuple(out)


def load_imdb_reviews(seed=113, substitute=False):
    """The raw review texts and labels, ``(texts_train, y_train), (texts_test, y_test)``,
    shuffled exactly as :func:`load_imdb` with the same ``seed`` (without ``maxlen``),
    so ``texts_test[i]`` is the review behind ``x_test[i]``."""
    (splits, _), rng, out = _reviews(substitute), np.random.RandomState(seed), []
    for split in ("train", "test"):
        texts, labels = splits[split]
        order = np.arange(len(texts))
        rng.shuffle(order)
        out.append(([texts[i] for i in order], labels[order]))
    return tuple(out)


TEXTS = ("austen", "moby_dick", "kjv")


def load_text(name: str) -> str:
    """A bundled text as one string: ``austen`` (the six novels, each after a
    ``### Title`` line), ``moby_dick``, ``kjv`` (one verse a line, after its reference)."""
    dataset = entry(name)
    if dataset.bundle_dir != "text":
        raise KeyError(f"{name!r} is not a text; the texts are: "
                       + ", ".join(n for n, d in CATALOGUE.items() if d.bundle_dir == "text"))
    return locate(name)[dataset.files[0].name].decode("utf-8")


_ABBREVIATION = re.compile(r"\b(Mr|Mrs|Dr|St|Messrs)\.")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+")


def load_corpus(names=("austen",), by: str = "sentence") -> list[str]:
    """The texts ``names`` cut into documents for word2vec: ``by="book"`` (each
    ``### Title`` part, or the whole text), ``"paragraph"`` (blank-line separated;
    a KJV verse is one), or ``"sentence"`` (paragraphs split after . ! or ?, not after
    Mr., Mrs., Dr., St.; a simple rule, no trained sentence model)."""
    if by not in ("book", "paragraph", "sentence"):
        raise ValueError(f"by must be 'book', 'paragraph' or 'sentence', got {by!r}")
    documents = []
    for name in [names] if isinstance(names, str) else names:
        text = load_text(name)
        if name == "kjv":
            text = re.sub(r"(?m)^\S+ ", "", text).replace("\n", "\n\n")
        books = [b for b in re.split(r"(?m)^### .*\n", text) if b.strip()]
        if by == "book":
            documents += books
            continue
        paragraphs = [" ".join(p.split()) for b in books for p in re.split(r"\n\s*\n", b) if p.strip()]
        if by == "paragraph":
            documents += paragraphs
            continue
        for paragraph in paragraphs:
            protected = _ABBREVIATION.sub(lambda m: m[1] + "\0", paragraph)
            documents += [s.replace("\0", ".") for s in _SENTENCE_END.split(protected) if s.strip()]
    return documents
