"""EfficientNet-Lite0: the bundled ImageNet network, its weights file and the reader that made it."""

import collections
import hashlib
import importlib.util
import io
import os
import pickle
import shutil
import struct
import sys
import types

import numpy as np
import pytest

from dlbook import data, efficientnet
from dlbook.efficientnet import EfficientNetLite0, decode_predictions, preprocess_input

skimage_data = pytest.importorskip("skimage.data")
from skimage.transform import resize  # noqa: E402


def _bundle_weights():
    spec = importlib.util.spec_from_file_location("bundle_weights", data.DATA_DIR / "bundle_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_weights = _bundle_weights()


@pytest.fixture(scope="module")
def model():
    return EfficientNetLite0()


def test_parameter_counts():
    assert EfficientNetLite0(weights=None).count_params() == 4_694_024
    assert EfficientNetLite0(include_top=False, weights=None).count_params() == 3_413_024


#: The .weights.h5 file matches layers by type and creation order: this order is frozen.
LAYER_ORDER_SHA256 = "0a50b6b9a44c48c4a6c45afbf0545553a4f8ee265c8b55bad7b1dc4911db4161"


def test_layer_order_is_frozen():
    layers = EfficientNetLite0(weights=None).layers
    listing = "\n".join(f"{layer.__class__.__name__} {layer.name}" for layer in layers)
    assert [layer.name for layer in layers[:4]] == ["input_layer", "stem_conv", "stem_bn", "stem_activation"]
    assert [layer.name for layer in layers[-6:]] == ["top_conv", "top_bn", "top_activation",
                                                     "avg_pool", "top_dropout", "predictions"]
    assert [layer.name for layer in layers if layer.name.endswith("_add")] == [
        "block2b_add", "block3b_add", "block4b_add", "block4c_add", "block5b_add", "block5c_add",
        "block6b_add", "block6c_add", "block6d_add"]
    assert hashlib.sha256(listing.encode()).hexdigest() == LAYER_ORDER_SHA256, (
        "the layers changed: the bundled weights no longer fit; rebuild them with `make bundle`")


def test_weights_hold_the_converted_values(model):
    # SHA-256 of every weight as float32, in layer order, printed by data/bundle_weights.py.
    assert bundle_weights.values_sha256(model) == (
        "2a31b22f4582abd938d2a15feab17440d7ec3481a0dc4c5cfc624164ad169da4")


def center_square(image, size=224):
    """The central square of the photo, resized (bilinear, antialiased) to ``size``."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = image[top:top + side, left:left + side]
    return resize(square, (size, size), order=1, anti_aliasing=True, preserve_range=True)


REFERENCE = {  # photo: the top classes and their probabilities
    "chelsea": [("Egyptian_cat", 0.4048), ("tiger_cat", 0.3305), ("tabby", 0.1576)],
    "coffee": [("espresso", 0.9407)],
    "rocket": [("missile", 0.3007)],
    "astronaut": [("bobsled", 0.2244)],
}


def test_reference_predictions(model):
    photos = np.stack([center_square(getattr(skimage_data, name)()) for name in REFERENCE])
    decoded = decode_predictions(model.predict(preprocess_input(photos), verbose=0), top=3)
    for (name, expected), top in zip(REFERENCE.items(), decoded):
        for (label, probability), (synset, got_label, got) in zip(expected, top):
            assert got_label == label and synset.startswith("n"), (name, top)
            assert got == pytest.approx(probability, abs=1e-3), (name, top)


def test_without_top_any_size_and_pooling(model):
    base = EfficientNetLite0(include_top=False, input_shape=None, pooling="avg")
    assert base.output.shape == (None, 1280)
    assert base.get_layer("block3a_project_bn").get_weights()[0].tolist() == \
        model.get_layer("block3a_project_bn").get_weights()[0].tolist()
    features = EfficientNetLite0(include_top=False, weights=None, input_shape=(96, 128, 3))
    assert features.output.shape == (None, 3, 4, 1280)
    with pytest.raises(ValueError, match="224 x 224"):
        EfficientNetLite0(input_shape=(160, 160, 3), weights=None)


def test_preprocess_and_decode():
    np.testing.assert_allclose(preprocess_input(np.array([0, 127, 255], dtype=np.uint8)),
                               [-127 / 128, 0, 1])
    names = efficientnet.class_names()
    assert len(names) == 1000 and names[0] == ("n01440764", "tench")
    assert names[999] == ("n15075141", "toilet_tissue")
    preds = np.zeros((1, 1000))
    preds[0, [285, 281]] = 0.6, 0.4
    assert decode_predictions(preds, top=2) == [[("n02124075", "Egyptian_cat", 0.6),
                                                 ("n02123045", "tabby", 0.4)]]


def test_damaged_weights_raise_corrupt_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("DLBOOK_OFFLINE", "1")
    name = "efficientnet_lite0.weights.h5"
    with pytest.raises(data.DatasetMissingError, match="make bundle"):
        EfficientNetLite0()
    shutil.copyfile(data.DATA_DIR / name, tmp_path / name)
    with open(tmp_path / name, "r+b") as f:  # one byte changed in the middle
        f.seek(os.path.getsize(tmp_path / name) // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(data.DatasetCorruptError, match="fails its checksum"):
        EfficientNetLite0()


# --- the reader of PyTorch's old format (data/bundle_weights.py) -------------------------------

class _System:
    def __reduce__(self):
        return os.system, ("echo the unpickler ran os.system",)


def test_restricted_unpickler_refuses_other_callables():
    raw = pickle.dumps({"weight": _System()}, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refused to load (posix|nt|os).system"):
        bundle_weights.RestrictedUnpickler(io.BytesIO(raw)).load()
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        bundle_weights.read_pth(pickle.dumps(_System(), protocol=2))


def _legacy_pth(monkeypatch, arrays):
    """``arrays`` saved as ``torch.save``'s old format does (each tensor a column-major view
    of its storage), with stand-ins for the two names of torch that such a file holds."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    torch.FloatStorage, torch._utils = type("FloatStorage", (), {"__module__": "torch"}), utils

    def _rebuild_tensor_v2(*args):
        raise AssertionError("the reader must not call torch")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    Storage = collections.namedtuple("Storage", "key numel")

    class Tensor(collections.namedtuple("Tensor", "key array")):
        def __reduce__(self):
            strides = tuple(s // 4 for s in np.asfortranarray(self.array).strides)
            return _rebuild_tensor_v2, (Storage(self.key, self.array.size), 0, self.array.shape,
                                        strides, False, collections.OrderedDict())

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel, None)
            return None

    tensors = collections.OrderedDict((name, Tensor(str(i), a)) for i, (name, a) in enumerate(arrays.items()))
    f = io.BytesIO()
    for header in (bundle_weights.LEGACY_MAGIC, bundle_weights.LEGACY_PROTOCOL, {"little_endian": True}):
        pickle.dump(header, f, protocol=2)
    Pickler(f, protocol=2).dump(tensors)
    pickle.dump([t.key for t in tensors.values()], f, protocol=2)
    for t in tensors.values():
        f.write(struct.pack("<q", t.array.size) + t.array.astype("<f4").tobytes(order="F"))
    return f.getvalue()


def test_read_pth_reads_strided_views(monkeypatch):
    arrays = {"conv.weight": np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2),
              "bn.bias": np.array([0.5, -1.5], dtype=np.float32)}
    raw = _legacy_pth(monkeypatch, arrays)
    monkeypatch.undo()
    got = bundle_weights.read_pth(raw)
    assert list(got) == list(arrays)
    for name, array in arrays.items():
        np.testing.assert_array_equal(got[name], array)
    with pytest.raises(ValueError, match="truncated"):
        bundle_weights.read_pth(raw[:-4])
