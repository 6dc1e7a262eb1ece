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

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
REAL_DATA_DIR = data.DATA_DIR
BUNDLED_NPZ = REAL_DATA_DIR / "mnist.npz"


@pytest.fixture
def empty_places(tmp_path, monkeypatch):
    """No bundled copy and an empty Keras cache; returns (data dir, cache dir)."""
    data_dir, keras_home = tmp_path / "data", tmp_path / "keras"
    data_dir.mkdir()
    monkeypatch.setattr(data, "DATA_DIR", data_dir)
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


def test_verify_command_passes_on_the_bundle(capsys):
    assert data._main(["verify", *data.DATASETS]) == 0
    assert capsys.readouterr().out.count("ok ") == len(data.DATASETS)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(KeyError, match="known datasets: mnist, fashion_mnist, boston_housing; "
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
    assert data._main(["verify", "mnist"]) == 1
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
        dataset = data.DATASETS["mnist"]
        spec = dataclasses.replace(dataset.files[0], url=url)
        monkeypatch.setitem(data.DATASETS, "mnist", dataclasses.replace(dataset, files=(spec,)))
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
    assert data._main(["fetch", "mnist"]) == 0
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
    entry = data._keras_file("tiny_weights", "Tiny weights", "tiny_weights.h5", url,
                             _md5(payload), "test only")
    monkeypatch.setitem(data.DOWNLOADS, "tiny_weights", entry)


def test_keras_files_carry_the_md5s_and_addresses_keras_records():
    keras_dir = importlib.util.find_spec("keras").submodule_search_locations[0]
    source = pathlib.Path(keras_dir) / "src" / "applications"
    texts = "".join((source / f).read_text() for f in ("vgg16.py", "vgg19.py", "imagenet_utils.py"))
    texts = texts.replace('"\n    "', "").replace('/"\n    "', "/")  # join split string literals
    for name in ("vgg16_weights", "vgg16_weights_notop", "vgg19_weights_notop", "imagenet_class_index"):
        spec = data.DOWNLOADS[name].files[0]
        assert data.DOWNLOADS[name].cache_subdir == "models"  # where keras.applications looks
        assert spec.sha256 is None and f'file_hash="{spec.md5}"' in texts, name
        assert f'"{spec.name}"' in texts, name


def test_data_readme_records_every_download_checksum():
    text = (data.DATA_DIR / "README.md").read_text()
    for dataset in data.DOWNLOADS.values():
        spec = dataset.files[0]
        assert spec.url in text, dataset.name
        for digest in (spec.sha256, spec.md5):
            assert digest is None or digest in text, dataset.name


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
    entry = dataclasses.replace(data.DOWNLOADS["oxford_flowers17"], files=(spec,),
                                layout=data.numbered_images_layout(34, 17))
    monkeypatch.setitem(data.DOWNLOADS, "oxford_flowers17", entry)


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
    layout = data.DOWNLOADS["oxford_flowers17"].layout
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
    real = data.DOWNLOADS["hot_dog"]
    spec = dataclasses.replace(real.files[0], url=base + "hot-dog-not-hot-dog.tar.gz")
    layout = real.layout if totals is None else data.class_folders_layout(totals, data.HOT_DOG_CLASSES)
    entry = dataclasses.replace(real, files=(spec,), layout=layout)
    monkeypatch.setitem(data.DOWNLOADS, "hot_dog", entry)
    return archive


def test_hot_dog_dir_is_the_folder_with_train_and_test(online, local_server, monkeypatch, capsys):
    www, base = local_server
    archive = _tiny_hot_dogs(monkeypatch, www, base, {"train": 3, "test": 2}, {"train": 6, "test": 4})
    assert data._main(["fetch", "hot_dog"]) == 0
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
    entry = dataclasses.replace(data.DOWNLOADS["oxford_flowers17"], files=(spec,))
    monkeypatch.setitem(data.DOWNLOADS, "oxford_flowers17", entry)
    with pytest.raises(data.DatasetCorruptError, match="cannot be unpacked"):
        data.load_oxford_flowers17()
    assert not (online / "escaped.jpg").exists()
    assert sorted(p.name for p in (online / "datasets").iterdir()) == ["evil.tgz"]


# --- the command line with download-only assets ----------------------------------------

def test_fetch_command_reports_each_failure_and_exits_nonzero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("DLBOOK_OFFLINE", "1")
    assert data._main(["fetch", "mnist", "vgg16_weights", "hot_dog"]) == 1
    captured = capsys.readouterr()
    assert "ok      mnist" in captured.out
    assert "FAILED  vgg16_weights: VGG16 ImageNet weights (with the dense top) is not available" in captured.err
    assert "FAILED  hot_dog: Hot dog / not hot dog is not available" in captured.err
    assert "2 of 3 failed." in captured.err


def test_verify_reports_absent_downloads_but_fails_damaged_ones(empty_places, monkeypatch, capsys):
    assert data._main(["verify", "vgg16_weights_notop"]) == 0
    assert "absent  vgg16_weights_notop: download-only" in capsys.readouterr().out
    models = empty_places[1].parent / "models"
    models.mkdir(parents=True)
    (models / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"truncated")
    assert data._main(["verify", "vgg16_weights_notop"]) == 1
    assert "fails its checksum" in capsys.readouterr().err
