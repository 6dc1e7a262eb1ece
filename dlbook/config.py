"""Run modes, seeding and the one-line environment report of ``dlbook.setup()``."""

from __future__ import annotations

import contextlib
import os
import pathlib
import platform
import sys
import tempfile
from dataclasses import dataclass

#: ``full`` reproduces the books' settings; ``fast`` runs in seconds for the tests;
#: ``reduced`` is full mode with smaller settings, for the few notebooks whose book
#: settings take hours on a CPU (those notebooks say which settings they reduce).
MODES = ("full", "fast", "reduced")
MODE_VARIABLE = "DLBOOK_MODE"


def read_mode(value: str | None = None) -> str:
    """The run mode from ``value`` or from the ``DLBOOK_MODE`` variable (default ``full``)."""
    raw = value if value is not None else os.environ.get(MODE_VARIABLE, "full")
    mode = raw.strip().lower() or "full"
    if mode not in MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={raw!r} is not a run mode; use one of {', '.join(MODES)} "
            f"(for example `export {MODE_VARIABLE}=fast`), or unset it for full mode."
        )
    return mode


@dataclass(frozen=True)
class Config:
    """What ``setup()`` found: the run mode, seed, backend and device."""

    mode: str
    seed: int
    backend: str
    device: str
    versions: dict
    precision: str = "float32"  # Keras's dtype policy: float32, mixed_bfloat16 or mixed_float16

    @property
    def fast(self) -> bool:
        return self.mode == "fast"

    @property
    def full(self) -> bool:
        return self.mode == "full"

    @property
    def reduced(self) -> bool:
        return self.mode == "reduced"

    def pick(self, *, full, fast, reduced=None):
        """The value for the current mode: ``epochs = cfg.pick(full=200, fast=1)``.

        ``reduced`` (optional) is used in reduced mode; without it, reduced mode
        takes the full value."""
        if self.mode == "fast":
            return fast
        if self.mode == "reduced" and reduced is not None:
            return reduced
        return full

    def compare(self, rows):
        """Book numbers beside this run's: see :func:`dlbook.report.compare`."""
        from dlbook.report import compare

        return compare(self, rows)

    def summary(self) -> str:
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        policy = "" if self.precision == "float32" else f" | precision={self.precision}"
        return (f"dlbook: mode={self.mode} | backend={self.backend} | device={self.device}"
                f"{policy} | seed={self.seed} | {versions}")


# Start-up notices that TensorFlow's C++ logger writes straight to file descriptor
# 2 on import, ignoring TF_CPP_MIN_LOG_LEVEL. Only these exact notices are hidden.
_TF_IMPORT_NOTICES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "port.cc:153] oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
)


@contextlib.contextmanager
def _without_tf_import_notices():
    """Import Keras with TensorFlow's known start-up notices filtered out of stderr;
    anything else written to stderr meanwhile is passed on unchanged."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                if not any(notice in line for notice in _TF_IMPORT_NOTICES):
                    print(line, file=sys.stderr)


def _prepare_gpus(backend: str) -> str:
    """Enable GPU memory growth where the backend needs it; return a device label."""
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:  # already initialised earlier in this kernel
                pass
        return f"GPU x{len(gpus)}" if gpus else "CPU"
    if backend == "jax":
        # JAX grabs 75% of GPU memory on first use unless told otherwise.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        return f"GPU x{len(gpus)}" if gpus else "CPU"
    if backend == "torch":
        import torch

        n = torch.cuda.device_count()
        return f"GPU x{n}" if n else "CPU"
    return "CPU"


PRECISION_VARIABLE = "DLBOOK_PRECISION"


def cpu_has_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes in bfloat16 natively (AVX-512 BF16 or AMX units)."""
    try:
        flags = pathlib.Path(cpuinfo).read_text()
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def read_precision(device: str, value: str | None = None, cpuinfo: str = "/proc/cpuinfo") -> str:
    """The Keras dtype policy asked for by ``DLBOOK_PRECISION``: ``float32`` (the
    default, the books' precision) or, for ``mixed``, ``mixed_float16`` on a GPU and
    ``mixed_bfloat16`` on a CPU with bfloat16 units."""
    raw = value if value is not None else os.environ.get(PRECISION_VARIABLE, "float32")
    wanted = raw.strip().lower() or "float32"
    if wanted == "float32":
        return "float32"
    if wanted != "mixed":
        raise ValueError(f"{PRECISION_VARIABLE}={raw!r} is not a precision; use float32 "
                         f"(the default) or mixed.")
    if device.startswith("GPU"):
        return "mixed_float16"
    if cpu_has_bfloat16(cpuinfo):
        return "mixed_bfloat16"
    raise ValueError(f"{PRECISION_VARIABLE}=mixed needs a GPU or a CPU with bfloat16 units "
                     "(AVX-512 BF16 or AMX); this one has neither, and float16 on a CPU is "
                     f"slower than float32. Unset {PRECISION_VARIABLE} to train in float32.")


def _versions(backend: str) -> dict:
    import keras
    import numpy

    versions = {"keras": keras.__version__}
    try:
        module = __import__({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[backend])
        versions[backend] = module.__version__
    except (KeyError, ImportError):
        pass
    versions["numpy"] = numpy.__version__
    versions["python"] = platform.python_version()
    return versions


def _plot_defaults():
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": "medium",
        "image.cmap": "Greys",
        "legend.frameon": False,
    })


def setup(seed: int = 42, mode: str | None = None, quiet: bool = False) -> Config:
    """Prepare a notebook: read the run mode, seed every generator, set plot
    defaults, enable GPU memory growth, set Keras's dtype policy (float32 unless
    ``DLBOOK_PRECISION=mixed``), and print one line describing the run.

    ``mode`` overrides the ``DLBOOK_MODE`` variable; ``seed`` is passed to
    ``keras.utils.set_random_seed`` (Python, NumPy and the backend).
    """
    chosen = read_mode(mode)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    # Keras imports TensorFlow when it is installed (set_random_seed seeds it
    # too, even on other backends), so the whole start-up is filtered.
    with _without_tf_import_notices():
        import keras

        backend = keras.backend.backend()
        device = _prepare_gpus(backend)
        keras.utils.set_random_seed(seed)
        precision = read_precision(device)
        keras.config.set_dtype_policy(precision)
    _plot_defaults()
    cfg = Config(mode=chosen, seed=seed, backend=backend, device=device,
                 versions=_versions(backend), precision=precision)
    if not quiet:
        print(cfg.summary())
    return cfg
