import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbook import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_image_grid_draws_each_image_with_its_label():
    images = np.random.randint(0, 255, (12, 28, 28), dtype=np.uint8)
    fig = plots.image_grid(images, list(range(12)), rows=3)
    assert len(fig.axes) == 12
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in range(12)]


def test_image_grid_accepts_single_and_three_channels():
    assert len(plots.image_grid(np.zeros((5, 8, 8, 1))).axes) == 5
    assert len(plots.image_grid(np.zeros((4, 8, 8, 3)), cols=2).axes) == 4


@pytest.mark.parametrize("shape", [(28, 28), (2, 8, 8, 2), (0, 8, 8)])
def test_image_grid_explains_a_wrong_shape(shape):
    with pytest.raises(ValueError, match=r"image_grid expects a non-empty batch of images shaped"):
        plots.image_grid(np.zeros(shape))


def test_image_grid_needs_one_label_per_image():
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        plots.image_grid(np.zeros((3, 8, 8)), [1, 2])


def test_image_grid_refuses_a_grid_too_small():
    with pytest.raises(ValueError, match="holds 4 images, fewer than the 5"):
        plots.image_grid(np.zeros((5, 8, 8)), rows=2, cols=2)


def test_array_grid_writes_every_value_and_marks_highlights():
    ax = plots.array_grid(np.array(list("ABCDEFGHIJKL")).reshape(3, 4), highlight=[(1, 2)])
    assert sorted(t.get_text() for t in ax.texts) == list("ABCDEFGHIJKL")
    faces = [p.get_facecolor() for p in ax.patches]
    assert sum(f != faces[0] for f in faces) == 1


def test_array_grid_draws_a_vector_as_one_row():
    ax = plots.array_grid([12, 3, 6, 14])
    assert [t.get_text() for t in ax.texts] == ["12", "3", "6", "14"]


def test_array_grid_refuses_three_dimensions():
    with pytest.raises(ValueError, match="one 2-D slice at a time"):
        plots.array_grid(np.zeros((2, 2, 2)))


def test_functions_plots_arrays_and_callables():
    x = np.linspace(-5, 5, 11)
    ax = plots.functions(x, {"relu": np.maximum(x, 0), "square": np.square})
    assert [line.get_label() for line in ax.lines[:2]] == ["relu", "square"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), x ** 2)


def test_functions_checks_lengths():
    with pytest.raises(ValueError, match="curve 'bad' has shape"):
        plots.functions(np.arange(5), {"bad": np.arange(4)})


def test_history_draws_training_and_validation():
    logs = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.7], "val_accuracy": [0.4, 0.7]}
    fig = plots.history(logs)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2


def test_history_names_what_was_logged():
    with pytest.raises(ValueError, match="no metric acc; logged: loss"):
        plots.history({"loss": [1.0]}, metrics=["acc"])
    with pytest.raises(ValueError, match="needs the History returned by model.fit"):
        plots.history([1, 2, 3])


def test_array_grid_labels_rows_of_a_one_row_matrix_but_not_of_a_vector():
    assert [t.get_text() for t in plots.array_grid([[1, 2, 3]]).get_yticklabels()] == ["0"]
    assert [t.get_text() for t in plots.array_grid([1, 2, 3]).get_yticklabels()] == [""]


def test_history_puts_whole_epochs_on_the_axis():
    fig = plots.history({"loss": [1.0, 0.8, 0.6, 0.5, 0.45]})
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    assert all(float(t).is_integer() for t in ticks)


def test_binary_classifier_report_gives_accuracy_and_auc():
    y = np.array([0, 0, 1, 1, 1])
    score = np.array([0.1, 0.6, 0.4, 0.8, 0.9])
    fig, numbers = plots.binary_classifier(y, score)
    assert numbers["accuracy"] == pytest.approx(3 / 5)
    assert numbers["auc"] == pytest.approx(5 / 6)  # 5 of the 6 (positive, negative) pairs ordered
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="one score per label"):
        plots.binary_classifier(y, score[:4])
    with pytest.raises(ValueError, match="labels 0 and 1"):
        plots.binary_classifier(y + 1, score)


def test_image_rows_draws_ragged_rows_with_a_label_each():
    fig = plots.image_rows([np.zeros((3, 8, 8)), [np.ones((8, 8, 1))] * 5], ["input", "output"])
    axes = np.array(fig.axes).reshape(2, 5)
    assert [len(ax.images) for ax in axes[0]] == [1, 1, 1, 0, 0]
    assert [len(ax.images) for ax in axes[1]] == [1] * 5
    assert axes[1, 0].get_ylabel() == "output"


def test_image_rows_says_what_is_wrong_with_its_labels():
    with pytest.raises(ValueError, match="2 rows but 1 labels"):
        plots.image_rows([np.zeros((2, 8, 8))] * 2, ["only one"])
