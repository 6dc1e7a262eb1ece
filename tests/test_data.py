"""The dataset layer: real data offline, and a clear error for every way a file
can be missing or damaged. No test touches the network (see conftest.py)."""

import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import pathlib
import shutil
import tarfile
import threading

import importlib.util
import numpy as np
import pytest
from PIL import Image

from dlbook import data
from dlbook.data import catalogue, store
from dlbook.data.__main__ import main as cli

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
REAL_DATA_DIR = data.DATA_DIR
BUNDLED_NPZ = REAL_DATA_DIR / "mnist.npz"


@pytest.fixture
def empty_places(tmp_path, monkeypatch):
    """No bundled copy and an empty Keras cache; returns (data dir, cache dir)."""
    data_dir, keras_home = tmp_path / "data", tmp_path / "keras"
    data_dir.mkdir()
    monkeypatch.setenv("DLBOOK_DATA", str(data_dir))
    monkeypatch.setattr(store, "RETRIES", 0)  # no waiting between tries in the tests
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("DLBOOK_OFFLINE", "1")
    return data_dir, keras_home / "datasets"


# --- the real datasets, offline -------------------------------------------------

def test_mnist_is_complete_and_canonical():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == x_test.dtype == y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9] and y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert round(float(x_train.mean()), 4) == 33.3184


def test_fashion_mnist_is_complete_and_balanced():
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert len(data.FASHION_MNIST_CLASSES) == 10


def test_boston_housing_matches_the_keras_split():
    (x_train, y_train), (x_test, y_test) = data.load_boston_housing()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert x_train.dtype == np.float64
    # The first training row and targets that keras.datasets.boston_housing gives.
    np.testing.assert_allclose(x_train[0], [1.23247, 0.0, 8.14, 0.0, 0.538, 6.142, 91.7,
                                            3.9769, 4.0, 307.0, 21.0, 396.9, 18.72])
    np.testing.assert_allclose(y_train[:5], [15.2, 42.3, 50.0, 21.1, 17.7])
    with pytest.raises(ValueError, match="test_split must be in"):
        data.load_boston_housing(test_split=1.5)


BUNDLED = [name for name, d in data.CATALOGUE.items() if d.bundled]
DOWNLOAD_ONLY = [name for name, d in data.CATALOGUE.items() if not d.bundled]


def test_verify_command_passes_on_the_bundle(capsys):
    assert cli(["verify", *BUNDLED]) == 0
    assert capsys.readouterr().out.count("ok ") == len(BUNDLED)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(KeyError, match="known datasets: mnist, fashion_mnist, boston_housing, austen, moby_dick, kjv, "
                                       "movie_review_snippets, efficientnet_lite0_weights, "
                                       "imagenet_class_names; "
                                       "download-only: oxford_flowers17, hot_dog, vgg16_weights"):
        data.locate("cifar10")


# --- missing files ---------------------------------------------------------------

def test_missing_dataset_offline_names_dataset_file_remedy_and_url(empty_places):
    with pytest.raises(data.DatasetMissingError) as info:
        data.load_mnist()
    message = str(info.value)
    assert message.startswith("MNIST is not available: mnist.npz is neither bundled")
    assert "make data" in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert "DLBOOK_OFFLINE=1" in message


def test_missing_dataset_is_also_a_file_not_found_error(empty_places):
    with pytest.raises(FileNotFoundError):
        data.load_fashion_mnist()


def test_the_keras_cache_is_used_when_nothing_is_bundled(empty_places):
    _, cache = empty_places
    cache.mkdir(parents=True)
    shutil.copyfile(BUNDLED_NPZ, cache / "mnist.npz")
    (x_train, _), _ = data.load_mnist()
    assert x_train.shape == (60000, 28, 28)


def test_verify_reports_a_missing_dataset_and_fails(empty_places, capsys):
    assert cli(["verify", "mnist"]) == 1
    assert "FAILED  mnist: MNIST is not available" in capsys.readouterr().err


# --- damaged files ---------------------------------------------------------------

def _bundle_copy(data_dir, damage):
    raw = bytearray(BUNDLED_NPZ.read_bytes())
    (data_dir / "mnist.npz").write_bytes(damage(raw))
    return data_dir / "mnist.npz"


def test_truncated_bundled_file_is_reported_never_used(empty_places):
    data_dir, _ = empty_places
    path = _bundle_copy(data_dir, lambda raw: bytes(raw[: len(raw) // 2]))
    with pytest.raises(data.DatasetCorruptError) as info:
        data.load_mnist()
    message = str(info.value)
    assert f"MNIST: {path} fails its checksum" in message
    assert "git checkout -- data/mnist.npz" in message and "make bundle" in message


def test_tampered_bundled_file_is_reported(empty_places):
    def flip_one_byte(raw):
        raw[len(raw) // 2] ^= 0xFF
        return bytes(raw)

    _bundle_copy(empty_places[0], flip_one_byte)
    with pytest.raises(data.DatasetCorruptError, match="truncated, damaged or not the original"):
        data.load_mnist()


def test_a_damaged_bundle_does_not_fall_back_to_the_cache(empty_places):
    data_dir, cache = empty_places
    cache.mkdir(parents=True)
    shutil.copyfile(BUNDLED_NPZ, cache / "mnist.npz")
    _bundle_copy(data_dir, lambda raw: bytes(raw[:1000]))
    with pytest.raises(data.DatasetCorruptError):
        data.load_mnist()


def test_damaged_cached_file_says_to_delete_it(empty_places):
    _, cache = empty_places
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(BUNDLED_NPZ.read_bytes()[:-10])
    with pytest.raises(data.DatasetCorruptError, match=r"Delete .*mnist.npz and run `make data`"):
        data.load_mnist()


def _fashion_bundle(data_dir):
    target = data_dir / "fashion-mnist"
    shutil.copytree(REAL_DATA_DIR / "fashion-mnist", target)
    return target


def test_truncated_gzip_file_is_reported(empty_places):
    folder = _fashion_bundle(empty_places[0])
    path = folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(data.DatasetCorruptError) as info:
        data.load_fashion_mnist()
    assert f"Fashion-MNIST: {path} is not a complete gzip file" in str(info.value)
    assert "git checkout" in str(info.value)


def test_rewrapped_gzip_with_other_contents_is_reported(empty_places):
    folder = _fashion_bundle(empty_places[0])
    path = folder / "t10k-labels-idx1-ubyte.gz"
    labels = bytearray(gzip.decompress(path.read_bytes()))
    labels[8] = (labels[8] + 1) % 10  # relabel one item, keep a valid gzip file
    path.write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(data.DatasetCorruptError, match="t10k-labels-idx1-ubyte.gz fails its checksum"):
        data.load_fashion_mnist()


def test_faithful_rewrapped_gzip_is_accepted(empty_places):
    folder = _fashion_bundle(empty_places[0])
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1))
    _, (_, y_test) = data.load_fashion_mnist()
    assert len(y_test) == 10000


# --- downloads, from a server on this machine -------------------------------------

@pytest.fixture
def local_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def mnist_from(monkeypatch):
    """Point the MNIST entry at another address."""
    def point(url):
        dataset = data.CATALOGUE["mnist"]
        spec = dataclasses.replace(dataset.files[0], url=url)
        monkeypatch.setitem(data.CATALOGUE, "mnist", dataclasses.replace(dataset, files=(spec,)))
    return point


def test_download_lands_in_the_cache_atomically(empty_places, local_server, mnist_from, monkeypatch):
    monkeypatch.delenv("DLBOOK_OFFLINE")
    _, cache = empty_places
    www, base = local_server
    shutil.copyfile(BUNDLED_NPZ, www / "mnist.npz")
    mnist_from(base + "mnist.npz")
    (x_train, _), _ = data.load_mnist()
    assert x_train.shape == (60000, 28, 28)
    assert sorted(p.name for p in cache.iterdir()) == ["mnist.npz"]


def test_damaged_download_is_refused_and_leaves_nothing(empty_places, local_server, mnist_from, monkeypatch):
    monkeypatch.delenv("DLBOOK_OFFLINE")
    _, cache = empty_places
    www, base = local_server
    (www / "mnist.npz").write_bytes(BUNDLED_NPZ.read_bytes()[:5000])
    mnist_from(base + "mnist.npz")
    with pytest.raises(data.DatasetCorruptError, match="damaged in transit"):
        data.load_mnist()
    assert list(cache.iterdir()) == []


def test_failed_download_names_the_url(empty_places, local_server, mnist_from, monkeypatch):
    monkeypatch.delenv("DLBOOK_OFFLINE")
    _, base = local_server
    mnist_from(base + "nothing-here.npz")
    with pytest.raises(data.DatasetMissingError, match=r"downloading it failed \(HTTP Error 404"):
        data.load_mnist()


def test_fetch_command_downloads_what_is_missing(empty_places, local_server, mnist_from, monkeypatch, capsys):
    monkeypatch.delenv("DLBOOK_OFFLINE")
    www, base = local_server
    shutil.copyfile(BUNDLED_NPZ, www / "mnist.npz")
    mnist_from(base + "mnist.npz")
    assert cli(["fetch", "mnist"]) == 0
    assert "ok      mnist" in capsys.readouterr().out


def test_unreachable_source_gives_the_remedy(empty_places, monkeypatch):
    # The real address: the network guard in conftest.py (or a failing name
    # lookup, on a machine without the internet) stops it before any traffic.
    monkeypatch.delenv("DLBOOK_OFFLINE")
    with pytest.raises(data.DatasetMissingError, match=r"downloading it failed .*Remedy: run `make data`"):
        data.load_mnist()


# --- download-only assets (weights, class index, image archives) -------------------

def _md5(payload):
    return hashlib.md5(payload).hexdigest()


def _sha256(payload):
    return hashlib.sha256(payload).hexdigest()


@pytest.fixture
def online(empty_places, monkeypatch):
    """Downloads allowed (to the local server only: conftest.py cuts off the rest)."""
    monkeypatch.delenv("DLBOOK_OFFLINE")
    return empty_places[1].parent  # KERAS_HOME


def _tiny_weights(monkeypatch, url, payload):
    entry = catalogue._keras_file("tiny_weights", "Tiny weights", "tiny_weights.h5", url,
                             _md5(payload), "test only")
    monkeypatch.setitem(data.CATALOGUE, "tiny_weights", entry)


def test_keras_files_carry_the_md5s_and_addresses_keras_records():
    keras_dir = importlib.util.find_spec("keras").submodule_search_locations[0]
    source = pathlib.Path(keras_dir) / "src" / "applications"
    texts = "".join((source / f).read_text() for f in ("vgg16.py", "vgg19.py", "imagenet_utils.py"))
    texts = texts.replace('"\n    "', "").replace('/"\n    "', "/")  # join split string literals
    for name in ("vgg16_weights", "vgg16_weights_notop", "vgg19_weights_notop", "imagenet_class_index"):
        spec = data.CATALOGUE[name].files[0]
        assert data.CATALOGUE[name].cache_subdir == "models"  # where keras.applications looks
        assert spec.sha256 is None and f'file_hash="{spec.md5}"' in texts, name
        assert f'"{spec.name}"' in texts, name


def test_data_readme_records_every_address_and_checksum():
    text = (data.DATA_DIR / "README.md").read_text()
    for dataset in data.CATALOGUE.values():
        assert dataset.name in text, dataset.name
        for spec in dataset.files:
            for fact in (spec.url, spec.sha256, spec.url_sha256, spec.md5):
                assert fact is None or fact in text, f"{dataset.name}/{spec.name}: {fact}"


def test_every_bundled_file_is_in_the_catalogue():
    registered = {pathlib.Path(ds.bundle_dir, spec.name).as_posix().removeprefix("./")
                  for ds in data.CATALOGUE.values() if ds.bundled for spec in ds.files}
    bundled = {p.relative_to(data.DATA_DIR).as_posix() for p in data.DATA_DIR.rglob("*")
               if p.is_file() and p.suffix in (".npz", ".gz", ".csv", ".npy", ".txt", ".h5", ".json")}
    assert bundled == registered


def test_fetch_downloads_into_the_keras_models_cache(online, local_server, monkeypatch):
    www, base = local_server
    payload = b"not really HDF5 " * 4096
    (www / "tiny_weights.h5").write_bytes(payload)
    _tiny_weights(monkeypatch, base + "tiny_weights.h5", payload)
    path = data.fetch("tiny_weights")
    assert path == online / "models" / "tiny_weights.h5"
    assert path.read_bytes() == payload
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny_weights.h5"]
    # A second call uses the cache: the server no longer has the file.
    (www / "tiny_weights.h5").unlink()
    assert data.fetch("tiny_weights") == path


def test_fetch_hashes_streaming_and_never_reads_the_whole_file(empty_places, monkeypatch):
    keras_home = empty_places[1].parent
    payload = b"\x00\x01" * 300_000
    (keras_home / "models").mkdir(parents=True)
    (keras_home / "models" / "tiny_weights.h5").write_bytes(payload)
    _tiny_weights(monkeypatch, "http://127.0.0.1:9/tiny_weights.h5", payload)

    def read_bytes(self):
        raise AssertionError("large files must be hashed streaming")
    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    assert data.fetch("tiny_weights").name == "tiny_weights.h5"


def test_damaged_download_of_weights_leaves_nothing(online, local_server, monkeypatch):
    www, base = local_server
    payload = b"weights" * 1000
    (www / "tiny_weights.h5").write_bytes(payload[:-1])  # one byte short
    _tiny_weights(monkeypatch, base + "tiny_weights.h5", payload)
    with pytest.raises(data.DatasetCorruptError, match=r"fails its checksum.*MD5 .*damaged in transit"):
        data.fetch("tiny_weights")
    assert list((online / "models").iterdir()) == []


def test_damaged_cached_weights_say_to_delete_them(empty_places, monkeypatch):
    keras_home = empty_places[1].parent
    (keras_home / "models").mkdir(parents=True)
    (keras_home / "models" / "tiny_weights.h5").write_bytes(b"something else")
    _tiny_weights(monkeypatch, "http://127.0.0.1:9/tiny_weights.h5", b"weights")
    with pytest.raises(data.DatasetCorruptError, match=r"Delete .*tiny_weights.h5 and run `make data`"):
        data.fetch("tiny_weights")


def test_missing_weights_offline_name_file_url_and_remedy(empty_places):
    with pytest.raises(data.DatasetMissingError) as info:
        data.fetch("vgg19_weights_notop")
    message = str(info.value)
    assert message.startswith("VGG19 ImageNet weights (convolutional base, no top) is not "
                              "available: vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 is "
                              "not in the Keras cache at ")
    assert "/models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
            "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5") in message
    assert "DLBOOK_OFFLINE=1" in message and "`make data`" in message
    assert "copy the file into the Keras cache" in message
    assert isinstance(info.value, FileNotFoundError)


def test_unreachable_weights_give_the_remedy(online):
    with pytest.raises(data.DatasetMissingError, match=r"downloading it failed .*Remedy: run `make data`"):
        data.fetch("imagenet_class_index")


def test_download_only_names_are_not_loaded_as_bytes():
    with pytest.raises(KeyError, match="use fetch"):
        data.locate("vgg16_weights")
    with pytest.raises(KeyError, match="is bundled"):
        data.fetch("mnist")


# --- image archives, unpacked and checked ----------------------------------------------

def _jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), colour).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _tgz(path, members):
    """Write a .tgz with ``{name inside the archive: bytes}``; return its bytes."""
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path.read_bytes()


def _flowers_members(n_classes=17, per_class=2, drop=()):
    members = {"jpg/files.txt": b"list of the images\n"}
    for i in range(1, n_classes * per_class + 1):
        if i not in drop:
            label = (i - 1) // per_class
            members[f"jpg/image_{i:04d}.jpg"] = _jpeg((15 * label, 0, 255 - 15 * label))
    members["jpg/._image_0001.jpg"] = b"macOS metadata, not an image"
    return members


def _tiny_flowers(monkeypatch, www, base, **kwargs):
    """Point the Oxford Flowers 17 entry at a tiny archive (17 classes x 2) on the local server."""
    archive = _tgz(www / "17flowers.tgz", _flowers_members(**kwargs))
    spec = data.FileSpec("17flowers.tgz", sha256=_sha256(archive), url=base + "17flowers.tgz")
    entry = dataclasses.replace(data.CATALOGUE["oxford_flowers17"], files=(spec,),
                                layout=store.numbered_images_layout(34, 17))
    monkeypatch.setitem(data.CATALOGUE, "oxford_flowers17", entry)


def test_flowers_are_downloaded_unpacked_checked_and_labelled_in_blocks(online, local_server, monkeypatch):
    www, base = local_server
    _tiny_flowers(monkeypatch, www, base)
    x, y = data.load_oxford_flowers17(image_size=8)
    assert x.shape == (34, 8, 8, 3) and x.dtype == np.uint8
    assert y.dtype == np.int64 and y.tolist() == np.repeat(np.arange(17), 2).tolist()
    assert abs(int(x[0, 4, 4, 2]) - 255) < 8 and abs(int(x[-1, 4, 4, 0]) - 240) < 8
    cache = online / "datasets"
    assert sorted(p.name for p in cache.iterdir()) == ["17flowers", "17flowers.tgz"]
    assert not (cache / "17flowers" / "jpg" / "._image_0001.jpg").exists()
    # Later calls use the unpacked copy, even without the server's file.
    (www / "17flowers.tgz").unlink()
    assert data.load_oxford_flowers17(image_size=4)[0].shape == (34, 4, 4, 3)


def test_archive_without_the_published_layout_is_refused_and_not_unpacked(online, local_server, monkeypatch):
    www, base = local_server
    _tiny_flowers(monkeypatch, www, base, drop=(34,))
    with pytest.raises(data.DatasetCorruptError) as info:
        data.load_oxford_flowers17(image_size=8)
    message = str(info.value)
    assert "17flowers.tgz passes its checksum but does not hold the published dataset" in message
    assert "1 are missing ['image_0034.jpg']" in message and "Nothing was unpacked" in message
    assert sorted(p.name for p in (online / "datasets").iterdir()) == ["17flowers.tgz"]


def test_damaged_unpacked_copy_is_reported(online, local_server, monkeypatch):
    www, base = local_server
    _tiny_flowers(monkeypatch, www, base)
    data.load_oxford_flowers17(image_size=8)
    (online / "datasets" / "17flowers" / "jpg" / "image_0007.jpg").unlink()
    with pytest.raises(data.DatasetCorruptError, match=r"unpacked copy at .*17flowers is damaged"):
        data.load_oxford_flowers17(image_size=8)


def test_real_flowers_layout_is_1360_images_in_17_blocks_of_80(tmp_path):
    folder = tmp_path / "jpg"
    folder.mkdir()
    for i in range(1, 1361):
        (folder / f"image_{i:04d}.jpg").touch()
    (tmp_path / store.UNPACKED_MARK).touch()  # checked once already: names only from now on
    layout = data.CATALOGUE["oxford_flowers17"].layout
    assert layout(tmp_path) == (tmp_path, "1360 images image_0001.jpg to image_1360.jpg: "
                                          "17 classes x 80 in consecutive blocks")
    (folder / "image_1360.jpg").unlink()
    with pytest.raises(data.DatasetCorruptError, match="1 are missing"):
        layout(tmp_path)
    assert len(data.FLOWERS17_CLASSES) == 17


def _hot_dog_members(per_folder):
    members = {}
    for split, n in per_folder.items():
        for name in data.HOT_DOG_CLASSES:
            for i in range(n):
                members[f"hot-dog-not-hot-dog/{split}/{name}/{i}.jpg"] = _jpeg((200, 100, i))
    members["hot-dog-not-hot-dog/train/hot_dog/.DS_Store"] = b"Finder"
    return members


def _tiny_hot_dogs(monkeypatch, www, base, per_folder, totals=None):
    """The hot-dog entry pointed at a tiny archive; ``totals=None`` keeps the real check."""
    archive = _tgz(www / "hot-dog-not-hot-dog.tar.gz", _hot_dog_members(per_folder))
    real = data.CATALOGUE["hot_dog"]
    spec = dataclasses.replace(real.files[0], url=base + "hot-dog-not-hot-dog.tar.gz")
    layout = real.layout if totals is None else store.class_folders_layout(totals, data.HOT_DOG_CLASSES)
    entry = dataclasses.replace(real, files=(spec,), layout=layout)
    monkeypatch.setitem(data.CATALOGUE, "hot_dog", entry)
    return archive


def test_hot_dog_dir_is_the_folder_with_train_and_test(online, local_server, monkeypatch, capsys):
    www, base = local_server
    archive = _tiny_hot_dogs(monkeypatch, www, base, {"train": 3, "test": 2}, {"train": 6, "test": 4})
    assert cli(["fetch", "hot_dog"]) == 0
    out = capsys.readouterr().out
    assert "train: 3 hot_dog + 3 not_hot_dog; test: 2 hot_dog + 2 not_hot_dog" in out
    assert f"no checksum is published for the archive, so its layout was checked; its SHA-256 " \
           f"here is {_sha256(archive)}" in out
    folder = data.hot_dog_dir()
    assert folder == online / "datasets" / "hot-dog-not-hot-dog"
    assert sorted(p.name for p in (folder / "train").iterdir()) == ["hot_dog", "not_hot_dog"]
    assert sorted(p.name for p in (folder / "test" / "not_hot_dog").iterdir()) == ["0.jpg", "1.jpg"]


def test_hot_dog_archive_with_other_counts_is_refused(online, local_server, monkeypatch):
    www, base = local_server
    _tiny_hot_dogs(monkeypatch, www, base, {"train": 2, "test": 2})  # the real check: 498 + 500
    with pytest.raises(data.DatasetCorruptError,
                       match=r"has no published checksum and does not hold the published dataset: "
                             r".*train holds 4 images; the published dataset has 498"):
        data.hot_dog_dir()


def test_archive_member_outside_the_folder_is_refused(online, local_server, monkeypatch):
    www, base = local_server
    archive = _tgz(www / "evil.tgz", {"../escaped.jpg": _jpeg((0, 0, 0))})
    spec = data.FileSpec("evil.tgz", sha256=_sha256(archive), url=base + "evil.tgz")
    entry = dataclasses.replace(data.CATALOGUE["oxford_flowers17"], files=(spec,))
    monkeypatch.setitem(data.CATALOGUE, "oxford_flowers17", entry)
    with pytest.raises(data.DatasetCorruptError, match="cannot be unpacked"):
        data.load_oxford_flowers17()
    assert not (online / "escaped.jpg").exists()
    assert sorted(p.name for p in (online / "datasets").iterdir()) == ["evil.tgz"]


# --- the command line with download-only assets ----------------------------------------

def test_fetch_command_reports_each_failure_and_exits_nonzero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("DLBOOK_OFFLINE", "1")
    assert cli(["fetch", "mnist", "vgg16_weights", "hot_dog"]) == 1
    captured = capsys.readouterr()
    assert "ok      mnist" in captured.out
    assert "FAILED  vgg16_weights: VGG16 ImageNet weights (with the dense top) is not available" in captured.err
    assert "FAILED  hot_dog: Hot dog / not hot dog is not available" in captured.err
    assert "2 of 3 failed." in captured.err


def test_verify_reports_absent_downloads_but_fails_damaged_ones(empty_places, monkeypatch, capsys):
    assert cli(["verify", "vgg16_weights_notop"]) == 0
    assert "absent  vgg16_weights_notop: download-only" in capsys.readouterr().out
    models = empty_places[1].parent / "models"
    models.mkdir(parents=True)
    (models / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"truncated")
    assert cli(["verify", "vgg16_weights_notop"]) == 1
    assert "fails its checksum" in capsys.readouterr().err


# --- an unpacked copy without its archive (Oxford Flowers 17's jpg/ folder) -----------------

def _flowers_folder(keras_home, n=34):
    folder = keras_home / "datasets" / "17flowers" / "jpg"
    folder.mkdir(parents=True)
    for i in range(1, n + 1):
        (folder / f"image_{i:04d}.jpg").write_bytes(_jpeg((7 * ((i - 1) // 2), 0, 0)))
    return folder


def _manifest_entry(monkeypatch, tmp_path, folder):
    manifest = tmp_path / "flowers.sha256"
    manifest.write_text("".join(f"{_sha256(p.read_bytes())}  {p.name}\n" for p in sorted(folder.iterdir())))
    entry = dataclasses.replace(data.CATALOGUE["oxford_flowers17"],
                                layout=store.numbered_images_layout(34, 17, manifest=manifest))
    monkeypatch.setitem(data.CATALOGUE, "oxford_flowers17", entry)


def test_unpacked_flowers_folder_is_accepted_offline_after_the_manifest_check(empty_places, tmp_path, monkeypatch):
    folder = _flowers_folder(empty_places[1].parent)
    _manifest_entry(monkeypatch, tmp_path, folder)
    x, y = data.load_oxford_flowers17(image_size=4)
    assert x.shape == (34, 4, 4, 3) and y.tolist() == np.repeat(np.arange(17), 2).tolist()
    assert (folder.parent / store.UNPACKED_MARK).exists()  # checked once, remembered


def test_unpacked_flowers_folder_with_a_changed_image_is_refused(empty_places, tmp_path, monkeypatch):
    folder = _flowers_folder(empty_places[1].parent)
    _manifest_entry(monkeypatch, tmp_path, folder)
    (folder / "image_0005.jpg").write_bytes(_jpeg((1, 2, 3)))
    with pytest.raises(data.DatasetCorruptError) as info:
        data.load_oxford_flowers17(image_size=4)
    message = str(info.value)
    assert "17flowers is not a complete copy" in message and "image_0005.jpg is not the published file" in message
    assert "17flowers.tgz is not in the Keras cache" in message  # and the archive cannot be had


def test_committed_flowers_manifest_lists_the_1360_images():
    lines = (data.DATA_DIR / "manifests" / "oxford_flowers17.sha256").read_text().splitlines()
    assert [line.split()[1] for line in lines] == [f"image_{i:04d}.jpg" for i in range(1, 1361)]
    assert all(len(line.split()[0]) == 64 for line in lines)


# --- IMDB: the real reviews when present, a tiny hand-made copy otherwise ------------------------

@pytest.fixture
def fresh_imdb():
    data._reviews.cache_clear()
    data._indexed.cache_clear()
    yield
    data._reviews.cache_clear()
    data._indexed.cache_clear()


TINY_REVIEWS = {  # (split, label folder, file name): text
    ("train", "neg", "0_1.txt"): "A dull film.<br /><br />Dull, dull!",
    ("train", "neg", "1_4.txt"): "The plot? Dull.",
    ("train", "pos", "0_9.txt"): "A great film, a GREAT cast.",
    ("train", "pos", "2_10.txt"): "Don't miss it: great!",
    ("test", "neg", "3_2.txt"): "Dull and slow.",
    ("test", "neg", "4_3.txt"): "It's a mess.",
    ("test", "pos", "5_7.txt"): "Great fun.",
    ("test", "pos", "6_8.txt"): "A film to see.",
}


def _tiny_imdb(keras_home, monkeypatch, reviews=TINY_REVIEWS):
    for (split, label, name), text in reviews.items():
        folder = keras_home / "datasets" / "aclImdb" / split / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    entry = dataclasses.replace(data.CATALOGUE["imdb"], layout=store.rated_texts_layout(
        2, {"neg": range(1, 5), "pos": range(7, 11)}))
    monkeypatch.setitem(data.CATALOGUE, "imdb", entry)


def test_tokenizer_lowercases_drops_breaks_and_punctuation_keeps_inner_apostrophes():
    assert data.tokenize("Don't miss it:<br />GREAT fun, 10/10 in the 1950s... isn’t it?") == \
        ["don't", "miss", "it", "great", "fun", "10", "10", "in", "the", "1950s", "isn’t", "it"]


def test_load_imdb_follows_the_keras_semantics_on_a_tiny_corpus(empty_places, monkeypatch, fresh_imdb):
    _tiny_imdb(empty_places[1].parent, monkeypatch)
    index = data.imdb_word_index()
    # Counts over all eight reviews: a 5, dull 5, great 4, film 3 ... ties alphabetical.
    assert list(index)[:4] == ["a", "dull", "great", "film"] and index["a"] == 1
    (x_train, y_train), (x_test, y_test) = data.load_imdb(seed=113)
    assert x_train.dtype == object and len(x_train) == len(x_test) == 4
    assert sorted(y_train.tolist()) == [0, 0, 1, 1] and y_train.dtype == np.int64
    # Undo the shuffle: the same permutations as keras.datasets.imdb.
    rng = np.random.RandomState(113)
    order_train = np.arange(4)
    rng.shuffle(order_train)
    first = int(np.where(order_train == 0)[0][0])  # train/neg/0_1.txt
    ids = [index[w] + 3 for w in ["a", "dull", "film", "dull", "dull"]]
    assert x_train[first] == [1] + ids and y_train[first] == 0
    # skip_top and num_words turn ranks outside [skip_top, num_words) into oov_char.
    (x_train, _), _ = data.load_imdb(num_words=6, skip_top=5, seed=113)
    assert x_train[first] == [w if 5 <= w < 6 else 2 for w in [1] + ids] == [2, 2, 5, 2, 5, 5]
    (x_train, _), _ = data.load_imdb(num_words=6, oov_char=None, index_from=0, start_char=None, seed=113)
    assert x_train[first] == [index["a"], index["dull"], index["film"], index["dull"], index["dull"]]
    # maxlen drops reviews of maxlen ids or more, as Keras does.
    (x_train, y_train), _ = data.load_imdb(maxlen=5)
    assert all(len(x) < 5 for x in x_train) and len(x_train) == len(y_train) < 4
    # The index and the sequences are kept beside the reviews; later loads read them back.
    assert (empty_places[1] / "aclImdb" / ".dlbook-index-v1.npz").exists()
    before = data.load_imdb(seed=113)[0][0].tolist()
    data._reviews.cache_clear()
    data._indexed.cache_clear()
    assert data.load_imdb(seed=113)[0][0].tolist() == before and data.imdb_word_index() == index


def test_raw_reviews_line_up_with_the_sequences(empty_places, monkeypatch, fresh_imdb):
    _tiny_imdb(empty_places[1].parent, monkeypatch)
    (x_train, y_train), _ = data.load_imdb(seed=7, start_char=None, index_from=0)
    (texts, labels), _ = data.load_imdb_reviews(seed=7)
    index = data.imdb_word_index()
    assert labels.tolist() == y_train.tolist()
    for text, x in zip(texts, x_train):
        assert [index[w] for w in data.tokenize(text)] == x


def test_imdb_folder_with_a_wrong_rating_or_count_is_refused(empty_places, monkeypatch, fresh_imdb):
    reviews = dict(TINY_REVIEWS)
    reviews[("test", "neg", "9_8.txt")] = reviews.pop(("test", "neg", "4_3.txt"))  # rating 8 in neg
    _tiny_imdb(empty_places[1].parent, monkeypatch, reviews)
    with pytest.raises(data.DatasetCorruptError, match=r"aclImdb is not a complete copy .*test/neg "
                                                        r"should hold 2 files .*ratings 1-4.*'9_8.txt'"):
        data.load_imdb()


def test_missing_imdb_offline_names_the_archive_and_the_substitute(empty_places, fresh_imdb):
    with pytest.raises(data.DatasetMissingError) as info:
        data.load_imdb()
    message = str(info.value)
    assert "aclImdb_v1.tar.gz is not in the Keras cache" in message
    assert "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz" in message
    assert "substitute=True" in message and "make data" in message


def test_the_substitute_comes_only_when_asked_and_says_so(empty_places, monkeypatch, fresh_imdb):
    monkeypatch.delenv("DLBOOK_DATA")  # the bundled snippets, an empty Keras cache
    with pytest.warns(data.SubstituteWarning, match="SUBSTITUTE DATA: the IMDB reviews are not here"):
        (x_train, y_train), (x_test, y_test) = data.load_imdb(num_words=5000, skip_top=50, substitute=True)
    assert len(x_train) == len(x_test) == 5284  # 10,605 snippets less the 37 rated exactly 0
    assert int(y_train.sum() + y_test.sum()) == 5242  # rated above 0
    (texts, labels), _ = data.load_imdb_reviews(substitute=True)
    assert labels.tolist() == y_train.tolist() and all(isinstance(t, str) for t in texts)


@pytest.mark.skipif(not data.available("imdb"), reason="the real IMDB reviews are not in the Keras cache")
def test_real_imdb_is_50000_balanced_reviews(fresh_imdb):
    (x_train, y_train), (x_test, y_test) = data.load_imdb(num_words=5000, skip_top=50)
    assert len(x_train) == len(x_test) == 25000
    assert np.bincount(y_train).tolist() == np.bincount(y_test).tolist() == [12500, 12500]
    assert max(max(x) for x in x_train) == 4999 and min(min(x) for x in x_train) == 2
    (texts, _), _ = data.load_imdb_reviews()
    assert len(texts) == 25000 and sum("Bromwell High is a cartoon comedy." in t for t in texts) == 1


# --- bundled texts --------------------------------------------------------------------------

def test_austen_is_the_six_novels_without_gutenberg_boilerplate():
    text = data.load_text("austen")
    assert len(text) == 4_025_147 and text.startswith("### Sense and Sensibility\n")
    assert [line[4:] for line in text.splitlines() if line.startswith("### ")] == [
        "Sense and Sensibility", "Pride and Prejudice", "Mansfield Park", "Emma",
        "Northanger Abbey", "Persuasion"]
    assert "gutenberg" not in text.lower()
    assert len(data.load_corpus("austen", by="book")) == 6


def test_moby_dick_and_the_kjv():
    moby = data.load_text("moby_dick")
    assert len(moby) == 1_215_281 and moby.startswith("MOBY DICK; OR THE WHALE")
    assert "gutenberg" not in moby.lower() and "\r" not in moby
    kjv = data.load_text("kjv").splitlines()
    assert len(kjv) == 31_102 and kjv[0] == "Ge1:1 In the beginning God created the heaven and the earth."
    verses = data.load_corpus("kjv", by="paragraph")
    assert len(verses) == 31_102 and verses[0].startswith("In the beginning")


def test_sentences_split_after_stops_but_not_after_titles():
    sentences = data.load_corpus("austen")
    assert "Mrs. Dashwood again assured him that no alteration of the kind should be attempted." in sentences
    assert '"You are a good woman," he warmly replied.' in sentences
    with pytest.raises(ValueError, match="by must be"):
        data.load_corpus("austen", by="chapter")
    with pytest.raises(KeyError, match="not a text; the texts are: austen, moby_dick, kjv"):
        data.load_text("mnist")


def test_snippets_are_the_published_10605_ratings():
    rows = [line.split("\t") for line in data.load_text("movie_review_snippets").splitlines()]
    scores = np.array([float(r[1]) for r in rows])
    assert len(rows) == 10605 and (scores == 0).sum() == 37
    assert (scores > 0).sum() == 5242 and (scores < 0).sum() == 5326


def test_tampered_text_bundle_is_reported(empty_places):
    folder = empty_places[0] / "text"
    folder.mkdir()
    raw = gzip.decompress((REAL_DATA_DIR / "text" / "moby_dick.txt.gz").read_bytes())
    (folder / "moby_dick.txt.gz").write_bytes(gzip.compress(raw.replace(b"Ishmael", b"Ishmail", 1)))
    with pytest.raises(data.DatasetCorruptError, match="moby_dick.txt.gz fails its checksum"):
        data.load_text("moby_dick")


def test_missing_text_bundle_says_it_cannot_be_downloaded(empty_places):
    with pytest.raises(data.DatasetMissingError, match=r"cannot be downloaded: `make bundle` makes it"):
        data.load_text("austen")


# --- Quick, Draw! (no published checksum: the shape is checked) -------------------------------

def _tiny_quickdraw(monkeypatch, www, base, array):
    np.save(www / "apple.npy", array)
    real = data.CATALOGUE["quickdraw_apple"]
    spec = dataclasses.replace(real.files[0], url=base + "apple.npy")
    entry = dataclasses.replace(real, files=(spec,), layout=store.npy_rows_layout(784, "uint8", range(5, 21)))
    monkeypatch.setitem(data.CATALOGUE, "quickdraw_apple", entry)


def test_quickdraw_downloads_and_loads_bitmaps(online, local_server, monkeypatch, capsys):
    www, base = local_server
    bitmaps = np.arange(10 * 784).reshape(10, 784).astype(np.uint8)
    _tiny_quickdraw(monkeypatch, www, base, bitmaps)
    apples = data.load_quickdraw(limit=3)
    assert apples.shape == (3, 28, 28) and apples.dtype == np.uint8
    np.testing.assert_array_equal(apples[2].ravel(), bitmaps[2])
    assert "apple.npy" in capsys.readouterr().err  # the progress bar
    with pytest.raises(KeyError, match="no Quick, Draw! category 'banana' in the catalogue; known: apple"):
        data.load_quickdraw("banana")


def test_quickdraw_file_of_the_wrong_shape_is_refused_and_not_kept(online, local_server, monkeypatch):
    www, base = local_server
    _tiny_quickdraw(monkeypatch, www, base, np.zeros((10, 783), np.uint8))
    with pytest.raises(data.DatasetCorruptError, match=r"holds an array of shape \(10, 783\).*"
                                                        r"damaged in transit"):
        data.load_quickdraw()
    assert list((online / "datasets" / "quickdraw").iterdir()) == []


def test_truncated_quickdraw_file_in_the_cache_is_reported(empty_places, monkeypatch, tmp_path):
    _tiny_quickdraw(monkeypatch, tmp_path, "http://127.0.0.1:9/", np.ones((10, 784), np.uint8))
    cache = empty_places[1] / "quickdraw"
    cache.mkdir(parents=True)
    (cache / "apple.npy").write_bytes((tmp_path / "apple.npy").read_bytes()[:-100])
    with pytest.raises(data.DatasetCorruptError, match="is not a complete .npy file"):
        data.load_quickdraw()


# --- the status table ---------------------------------------------------------------------------

def test_status_lists_every_dataset_with_where_it_is(empty_places, monkeypatch, capsys):
    monkeypatch.delenv("DLBOOK_DATA")  # the real bundle, an empty cache
    assert cli(["status"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:-1]}
    assert set(lines) == set(data.CATALOGUE)
    assert " bundled " in lines["mnist"] and "CC BY-SA 3.0" in lines["mnist"]
    assert "MISSING" in lines["imdb"] and "download-only" in lines["imdb"]
    assert out.splitlines()[-1].startswith(f"{len(BUNDLED)} of {len(data.CATALOGUE)} here.")
