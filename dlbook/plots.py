"""Plot helpers shared by many notebooks: image grids and labelled rows of images, labelled arrays,
function curves and training histories. Nothing chapter-specific lives here."""

from __future__ import annotations

import math

import numpy as np


def _plt():
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, labels=None, *, rows=None, cols=None, size=1.2, cmap="Greys",
               title=None):
    """Draw a batch of images in a grid, each with its label (if given) above it.

    ``images`` is shaped (n, height, width) or (n, height, width, channels) with
    1 or 3 channels. Returns the matplotlib Figure.
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3) \
            or len(images) == 0:
        raise ValueError(
            "image_grid expects a non-empty batch of images shaped (n, height, width) or "
            f"(n, height, width, 1 or 3 channels); got shape {images.shape}. "
            "To draw one image, pass images[None] or images[i:i + 1]."
        )
    n = len(images)
    if labels is not None and len(labels) != n:
        raise ValueError(f"image_grid got {n} images but {len(labels)} labels; pass one label per image.")
    if cols is None:
        cols = math.ceil(n / rows) if rows else min(n, 10)
    rows = rows or math.ceil(n / cols)
    if rows * cols < n:
        raise ValueError(f"a {rows} x {cols} grid holds {rows * cols} images, fewer than the {n} given.")
    plt = _plt()
    fig, axes = plt.subplots(rows, cols, figsize=(cols * size, rows * size * (1.2 if labels is not None else 1)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap if images.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def image_rows(rows, labels=None, title=None, *, size=0.9, cmap="gray", vmin=0.0, vmax=1.0):
    """Draw rows of images as one grid, with a label to the left of each row.

    ``rows`` is a sequence of rows, each a sequence (or array) of 2-D images, or of
    (height, width, 1) images; rows may differ in length. All images share one colour
    scale, ``vmin`` to ``vmax``. Returns the matplotlib Figure.
    """
    rows = [list(row) for row in rows]
    if not rows or not any(rows):
        raise ValueError("image_rows expects at least one non-empty row of images.")
    if labels is not None and len(labels) != len(rows):
        raise ValueError(f"image_rows got {len(rows)} rows but {len(labels)} labels; pass one label per row.")
    n_cols = max(len(row) for row in rows)
    plt = _plt()
    fig, axes = plt.subplots(len(rows), n_cols, squeeze=False,
                             figsize=(size * n_cols + (1.4 if labels else 0), size * len(rows)))
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(row):
                ax.imshow(np.asarray(row[c]).squeeze(), cmap=cmap, vmin=vmin, vmax=vmax)
        if labels:
            axes[r, 0].set_ylabel(labels[r], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def array_grid(values, ax=None, *, title=None, fmt="{}", highlight=(), cell=0.6):
    """Draw a 1-D or 2-D array as a table of labelled cells, with row and column
    indices, for explaining shapes and indexing. ``highlight`` lists (row, column)
    cells to shade; a 1-D array is drawn as row 0. Returns the Axes."""
    values = np.asarray(values, dtype=object)
    vector = values.ndim == 1
    if vector:
        values = values[None, :]
    if values.ndim != 2:
        raise ValueError(
            f"array_grid draws 1-D or 2-D arrays; got {values.ndim}-D with shape {values.shape}. "
            "Draw a 3-D block one 2-D slice at a time (block[0], block[1], ...)."
        )
    plt = _plt()
    rows, cols = values.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(max(cols * cell, 1.5), max(rows * cell, 0.8)))
    marked = {tuple(h) for h in highlight}
    for r in range(rows):
        for c in range(cols):
            face = "#ffd54f" if (r, c) in marked else "white"
            ax.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=face, edgecolor="black"))
            ax.text(c + 0.5, r + 0.5, fmt.format(values[r, c]), ha="center", va="center")
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_xticks(np.arange(cols) + 0.5, range(cols))
    ax.set_yticks(np.arange(rows) + 0.5, [""] if vector else range(rows))
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    ax.set_aspect("equal")
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, pad=14 if vector else 18)
    return ax


def functions(x, curves, ax=None, *, title=None, xlabel="z", ylabel=None):
    """Plot several curves over the same x: ``curves`` maps a label to y values
    (an array the length of x) or to a function of x. Returns the Axes."""
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"functions() needs a 1-D x; got shape {x.shape}.")
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots()
    for label, y in curves.items():
        y = np.asarray(y(x) if callable(y) else y)
        if y.shape != x.shape:
            raise ValueError(f"curve {label!r} has shape {y.shape}, but x has shape {x.shape}.")
        ax.plot(x, y, label=label)
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend()
    return ax


def history(history, metrics=None, *, title=None):
    """Training curves from a Keras History (or its ``.history`` dict): one panel
    per metric, training beside validation where both were logged. Returns the Figure."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("history() needs the History returned by model.fit (or its .history dict); "
                         f"got {type(history).__name__}.")
    metrics = metrics or [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    unknown = [m for m in metrics if m not in logs]
    if unknown:
        raise ValueError(f"history() has no metric {', '.join(unknown)}; logged: {', '.join(logs)}.")
    plt = _plt()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", ms=3, label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "o-", ms=3, label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_title(metric)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def binary_classifier(y_true, y_score, *, threshold=0.5, title=None):
    """The three pictures DLI draws for a binary classifier: the histogram of the
    predicted probabilities ŷ, the ROC curve with its area, and the confusion matrix
    at ``threshold``. Returns ``(figure, {"accuracy": …, "auc": …})`` (fractions)."""
    from sklearn.metrics import ConfusionMatrixDisplay, roc_auc_score, roc_curve

    y_true, y_score = np.asarray(y_true).ravel(), np.asarray(y_score, dtype=float).ravel()
    if y_true.shape != y_score.shape:
        raise ValueError(f"binary_classifier() needs one score per label; got {y_true.shape[0]} "
                         f"labels and {y_score.shape[0]} scores (pass model.predict(x).ravel()).")
    if not set(np.unique(y_true)) <= {0, 1}:
        raise ValueError("binary_classifier() needs labels 0 and 1; got "
                         f"{sorted(np.unique(y_true))[:5]}")
    plt = _plt()
    auc = roc_auc_score(y_true, y_score)
    accuracy = float(np.mean((y_score >= threshold) == y_true))
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(13, 3.6))
    a.hist(y_score, bins=50)
    a.axvline(threshold, color="orange")
    a.set(xlabel="ŷ (predicted probability of class 1)", ylabel="count", title="ŷ histogram")
    fpr, tpr, _ = roc_curve(y_true, y_score)
    b.plot(fpr, tpr, color="orangered", label=f"AUC {100 * auc:.2f}%")
    b.plot([0, 1], [0, 1], color="gray", linestyle="--")
    b.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve")
    b.legend(loc="lower right")
    ConfusionMatrixDisplay.from_predictions(y_true, (y_score >= threshold).astype(int), ax=c,
                                            colorbar=False)
    c.set_title(f"confusion matrix (ŷ ≥ {threshold})")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, {"accuracy": accuracy, "auc": float(auc)}
