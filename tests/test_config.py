import os

import numpy as np
import pytest

import dlbook
from dlbook import config


def test_mode_defaults_to_full(monkeypatch):
    monkeypatch.delenv("DLBOOK_MODE", raising=False)
    assert config.read_mode() == "full"


@pytest.mark.parametrize("raw, mode", [("fast", "fast"), ("FULL", "full"), (" fast ", "fast"), ("", "full")])
def test_mode_from_variable(monkeypatch, raw, mode):
    monkeypatch.setenv("DLBOOK_MODE", raw)
    assert config.read_mode() == mode


def test_unknown_mode_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("DLBOOK_MODE", "quick")
    with pytest.raises(ValueError, match=r"DLBOOK_MODE='quick' is not a run mode; use one of full, fast"):
        config.read_mode()


def test_pick_follows_the_mode():
    full = dlbook.Config("full", 42, "tensorflow", "CPU", {})
    fast = dlbook.Config("fast", 42, "tensorflow", "CPU", {})
    assert full.pick(full=200, fast=1) == 200 and full.full and not full.fast
    assert fast.pick(full=200, fast=1) == 1 and fast.fast and not fast.full


def test_setup_prints_one_line_and_returns_the_config(capsys):
    import keras

    cfg = dlbook.setup(mode="fast")
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0
    assert line.startswith("dlbook: mode=fast | backend=")
    assert f"keras {keras.__version__}" in line and "device=" in line
    assert cfg.mode == "fast" and cfg.seed == 42 and cfg.backend == keras.backend.backend()
    assert cfg.device == "CPU" or cfg.device.startswith("GPU")


def test_setup_seeds_every_generator():
    import random

    import keras

    dlbook.setup(seed=7, quiet=True)
    first = (random.random(), np.random.rand(3), np.asarray(keras.random.uniform((3,))))
    dlbook.setup(seed=7, quiet=True)
    second = (random.random(), np.random.rand(3), np.asarray(keras.random.uniform((3,))))
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])


def test_setup_sets_plot_defaults():
    import matplotlib as mpl

    mpl.rcParams["image.cmap"] = "viridis"
    dlbook.setup(quiet=True)
    assert mpl.rcParams["image.cmap"] == "Greys"


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_setup_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        dlbook.setup(seed=seed, quiet=True)


def test_tf_import_notices_are_filtered_and_nothing_else(capfd):
    with config._without_tf_import_notices():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 00:00:1 123 port.cc:153] oneDNN custom operations are on. Blah.\n")
        os.write(2, b"a real warning that must stay\n")
    err = capfd.readouterr().err
    assert err == "a real warning that must stay\n"


def test_gpu_memory_growth_is_enabled_on_tensorflow():
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("memory growth is a TensorFlow setting")
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        assert tf.config.experimental.get_memory_growth(gpu)


def test_reduced_mode_takes_the_reduced_value_or_else_the_full_one():
    reduced = dlbook.Config("reduced", 42, "tensorflow", "CPU", {})
    assert reduced.pick(full=100, fast=1, reduced=10) == 10
    assert reduced.pick(full=100, fast=1) == 100
    assert reduced.reduced and not reduced.full and not reduced.fast


def _cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 avx2 {flags}\n")
    return str(path)


def test_precision_is_float32_unless_mixed_is_asked(monkeypatch, tmp_path):
    monkeypatch.delenv("DLBOOK_PRECISION", raising=False)
    assert config.read_precision("CPU", cpuinfo=_cpuinfo(tmp_path, "amx_bf16")) == "float32"
    with_bf16, without = _cpuinfo(tmp_path, "avx512_bf16 amx_tile"), None
    assert config.read_precision("CPU", "mixed", cpuinfo=with_bf16) == "mixed_bfloat16"
    assert config.read_precision("GPU x1", "mixed", cpuinfo=with_bf16) == "mixed_float16"
    without = _cpuinfo(tmp_path, "avx512f")
    with pytest.raises(ValueError, match="needs a GPU or a CPU with bfloat16 units"):
        config.read_precision("CPU", "mixed", cpuinfo=without)
    with pytest.raises(ValueError, match="DLBOOK_PRECISION='half' is not a precision"):
        config.read_precision("CPU", "half")


@pytest.mark.skipif(not config.cpu_has_bfloat16(), reason="this CPU has no bfloat16 units")
def test_setup_sets_the_mixed_policy_and_says_so(monkeypatch, capsys):
    import keras

    monkeypatch.setenv("DLBOOK_PRECISION", "mixed")
    try:
        cfg = dlbook.setup(mode="fast")
        assert cfg.precision == "mixed_bfloat16"
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        assert "| precision=mixed_bfloat16 |" in capsys.readouterr().out
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"
    finally:
        monkeypatch.delenv("DLBOOK_PRECISION")
        dlbook.setup(mode="fast", quiet=True)
    assert keras.config.dtype_policy().name == "float32"
