"""The dataset layer: real data offline, and a clear error for every way a file
can be missing or damaged. No test touches the network (see conftest.py)."""

import dataclasses
import functools
import gzip
import http.server
import shutil
import threading

import numpy as np
import pytest

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
    assert data._main(["verify"]) == 0
    assert capsys.readouterr().out.count("ok ") == len(data.DATASETS)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(KeyError, match="known datasets: mnist, fashion_mnist, boston_housing"):
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
