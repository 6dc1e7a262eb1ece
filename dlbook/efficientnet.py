"""EfficientNet-Lite0, an ImageNet network that works offline, in the manner of ``keras.applications``.

EfficientNet-Lite0 (Tan and Le, 2019; Google's variant for mobile chips) is
EfficientNet-B0 without squeeze-and-excitation, with ReLU6 and a fixed stem (32)
and head (1280): 4.7 M parameters (Google reports 75.1 % ImageNet top-1). Its weights
(Apache 2.0) are bundled in ``data/`` by ``make bundle`` and checked against the
catalogue's checksum before use, so no download is ever needed.

    model = EfficientNetLite0()
    probs = model.predict(preprocess_input(images))   # images: uint8 (n, 224, 224, 3)
    decode_predictions(probs, top=3)

Layers carry ``keras.applications``-style names: ``block3a_project_bn`` (the batch
norm before a block's output; ReLU6 outputs have no gradient outside [0, 6]),
``block4b_add`` (a block's residual sum), ``top_bn``, ``top_activation``.
The ``.weights.h5`` file matches layers by type and creation order, so the order
in which :func:`EfficientNetLite0` makes layers is frozen (a test pins it).
"""

from __future__ import annotations

import functools
import json

import keras
import numpy as np
from keras import layers

#: The seven stages: kernel size, repeats, filters in, filters out, expansion, stride.
BLOCKS = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
          (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))
WEIGHTS, CLASS_NAMES = "efficientnet_lite0_weights", "imagenet_class_names"  # catalogue entries
EPSILON = 1e-3  # of every batch normalization, as in the TensorFlow original


def _conv_bn(x, filters, kernel, stride, name, activation=True):
    """Convolution (no bias), batch normalization, then ReLU6 if ``activation``."""
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_activation")(x) if activation else x


def _block(x, kernel, filters_in, filters_out, expand, stride, name):
    """Inverted residual block: 1x1 expansion, depthwise convolution, 1x1 projection."""
    inputs = x
    if expand != 1:
        x = _conv_bn(x, filters_in * expand, 1, 1, f"{name}_expand")
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False,
                               name=f"{name}_dwconv")(x)
    x = layers.BatchNormalization(epsilon=EPSILON, name=f"{name}_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_activation")(x)
    x = _conv_bn(x, filters_out, 1, 1, f"{name}_project", activation=False)
    if stride == 1 and filters_in == filters_out:
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _features(inputs):
    """Stem, the 16 blocks and the 1x1 head convolution: ``(batch, h/32, w/32, 1280)``."""
    x = _conv_bn(inputs, 32, 3, 2, "stem")
    for stage, (kernel, repeats, filters_in, filters_out, expand, stride) in enumerate(BLOCKS, 1):
        for i in range(repeats):
            x = _block(x, kernel, filters_in if i == 0 else filters_out, filters_out, expand,
                       stride if i == 0 else 1, f"block{stage}{'abcd'[i]}")
    return _conv_bn(x, 1280, 1, 1, "top")


def EfficientNetLite0(include_top=True, weights="imagenet", input_shape=None, pooling=None):
    """EfficientNet-Lite0 for inputs scaled by :func:`preprocess_input`.

    ``include_top``: end with the 1,000-way softmax (``predictions``), which needs
    224 x 224 x 3 inputs; without it the output is the last feature map
    (``top_activation``), or its ``pooling`` (``"avg"`` or ``"max"``), and
    ``input_shape`` may be ``None`` (any size). ``weights``: ``"imagenet"`` (the
    bundled, checked weights) or ``None`` (random).
    """
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, got {weights!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max', got {pooling!r}")
    if input_shape is None:
        input_shape = (224, 224, 3) if include_top else (None, None, 3)
    if include_top and tuple(input_shape) != (224, 224, 3):
        raise ValueError(f"with include_top=True the input must be 224 x 224 x 3, not {input_shape}")
    inputs = keras.Input(tuple(input_shape), name="input_layer")
    x = _features(inputs)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(0.2, name="top_dropout")(x)
        x = layers.Dense(1000, activation="softmax", name="predictions")(x)
    elif pooling:
        pool = layers.GlobalAveragePooling2D if pooling == "avg" else layers.GlobalMaxPooling2D
        x = pool(name=f"{pooling}_pool")(x)
    model = keras.Model(inputs, x, name="efficientnet_lite0")
    if weights == "imagenet":
        _load_weights(model, include_top)
    return model


def weights_path():
    """The bundled weights file, checked against the catalogue's SHA-256 (DatasetCorruptError
    if damaged, DatasetMissingError if absent)."""
    from dlbook.data import entry, store

    dataset = entry(WEIGHTS)
    return store.find(dataset, dataset.files[0], download_missing=False)


def _load_weights(model, include_top):
    path = str(weights_path())
    if include_top:
        model.load_weights(path)
        return
    # The file holds the whole network: load it into one, then copy layer by layer by name.
    full = EfficientNetLite0(include_top=True, weights=None)
    full.load_weights(path)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights(full.get_layer(layer.name).get_weights())


def preprocess_input(x):
    """Pixels in [0, 255] (RGB) to the network's scale, ``(x - 127) / 128``: float32."""
    if keras.ops.is_tensor(x):
        return (keras.ops.cast(x, "float32") - 127.0) / 128.0
    return (np.asarray(x, dtype="float32") - 127.0) / 128.0


@functools.cache
def class_names():
    """The 1,000 ImageNet classes in output order: ``[(synset id, name), ...]``, with the
    names of Keras's own ``imagenet_class_index.json`` (``"Egyptian_cat"``)."""
    from dlbook.data import locate

    index = json.loads(locate(CLASS_NAMES)["imagenet_class_names.json"])
    return [tuple(index[str(i)]) for i in range(len(index))]


def decode_predictions(preds, top=5):
    """For each row of ``preds`` (n, 1000), the ``top`` classes as ``(synset id, name,
    probability)``, most probable first, as ``keras.applications`` gives them."""
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects a batch of shape (n, 1000), got {preds.shape}")
    names = class_names()
    return [[names[i] + (float(row[i]),) for i in np.argsort(row)[::-1][:top]] for row in preds]
