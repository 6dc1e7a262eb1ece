"""Checks of the committed notebooks and of the documents that list them.

nbval executes the notebooks themselves (see `make test`); these tests check
what is committed: outputs stored from one clean top-to-bottom full-mode run of
the current code, clean metadata, and a table-of-contents entry for each."""

import pathlib
import re

import pytest

from dlbook import notebooks

ROOT = notebooks.ROOT
NOTEBOOKS = notebooks.all_notebooks()
CHAPTERS = [
    "01-foundations", "02-neurons", "03-cost-functions", "04-gradient-descent",
    "05-dense-networks", "06-convnets", "07-rnns-and-nlp", "08-autoencoders", "09-gans",
    "10-reinforcement-learning", "11-creative-applications", "12-beyond",
]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebooks.relative)
def test_stored_outputs_come_from_a_clean_full_run_of_this_code(path):
    assert notebooks.problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebooks.relative)
def test_notebook_sits_in_a_chapter_folder_with_a_numbered_name(path):
    assert path.parent.name in CHAPTERS
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebooks.relative)
def test_notebook_follows_the_house_structure(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    for field in ("**Follows:**", "**What you will see:**", "**Run time"):
        assert field in first.source, f"the title cell lacks {field}"
    for cell in nb.cells:
        assert not re.search(r"PLACEHOLDER|\bTODO\b|\bTBD\b", cell.source), "unfinished text in a cell"
    setup_cell = notebooks.code_cells(nb)[0].source
    assert "dlbook.setup(" in setup_cell
    # setup() must run before Keras is imported, so that its seeding and its
    # filtering of TensorFlow's start-up notices take effect.
    assert setup_cell.index("dlbook.setup(") < setup_cell.find("import keras") or "import keras" not in setup_cell


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    missing = [notebooks.relative(p) for p in NOTEBOOKS if notebooks.relative(p) not in readme]
    assert missing == []


def _pins(lines):
    return sorted(line.strip().lstrip("- ").strip() for line in lines
                  if "==" in line and not line.strip().startswith("#"))


def test_conda_environment_pins_the_same_versions_as_requirements():
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    environment = (ROOT / "environment.yml").read_text().splitlines()
    assert _pins(environment) == _pins(requirements)
