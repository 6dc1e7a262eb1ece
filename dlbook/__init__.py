"""dlbook: the plumbing shared by the notebooks.

One call at the top of every notebook::

    import dlbook
    cfg = dlbook.setup()
    epochs = cfg.pick(full=5, fast=1)

The package holds plumbing only (run modes, seeds, data loading, plot helpers).
Every model, loss and training loop lives in the notebooks themselves.
"""

import os

# Hide TensorFlow's C++ start-up chatter (oneDNN and CPU-feature notices) in
# the notebooks; warnings and errors still show. Must happen before TF loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlbook.config import MODES, Config, setup  # noqa: E402

__all__ = ["MODES", "Config", "setup"]
__version__ = "0.1.0"
