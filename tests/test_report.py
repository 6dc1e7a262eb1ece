import json

import pytest

import dlbook

CFG = dlbook.Config("full", 42, "tensorflow", "CPU", {"keras": "3"})


def test_compare_shows_book_run_and_difference():
    table = CFG.compare([
        {"metric": "test accuracy", "book": 0.9785, "run": 0.97612345, "source": "Chollet §2.1"},
        {"metric": "parameters", "book": 50890, "run": 50890, "source": "DLI Fig 7.5"},
        {"metric": "no book number", "book": None, "run": 1.5, "source": "-"},
    ])
    assert list(table.columns) == ["book", "run", "difference", "source"]
    assert table.loc["test accuracy", "run"] == 0.9761
    assert table.loc["test accuracy", "difference"] == pytest.approx(-0.0024)
    assert table.loc["parameters", "difference"] == 0
    assert table.loc["no book number", "difference"] == ""


def test_compare_rejects_rows_without_a_source():
    with pytest.raises(ValueError, match="lacks source"):
        CFG.compare([{"metric": "m", "book": 1, "run": 1}])


def test_compare_writes_records_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_RECORDS", str(tmp_path))
    monkeypatch.setenv("DLBOOK_NOTEBOOK", "notebooks/01-foundations/01_x.ipynb")
    CFG.compare([{"metric": "m", "book": 1.0, "run": 0.5, "source": "s"}])
    record = json.loads((tmp_path / "notebooks__01-foundations__01_x.json").read_text())
    assert record["mode"] == "full" and record["backend"] == "tensorflow"
    assert record["rows"] == [{"metric": "m", "book": 1.0, "run": 0.5, "source": "s", "difference": -0.5}]


def test_compare_writes_nothing_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("DLBOOK_RECORDS", raising=False)
    monkeypatch.chdir(tmp_path)
    CFG.compare([{"metric": "m", "book": 1.0, "run": 0.5, "source": "s"}])
    assert list(tmp_path.iterdir()) == []


def test_report_is_built_from_the_records(tmp_path, monkeypatch):
    from dlbook import notebooks

    records = tmp_path / "records"
    monkeypatch.setenv("DLBOOK_RECORDS", str(records))
    monkeypatch.setenv("DLBOOK_NOTEBOOK", "notebooks/01-foundations/01_first.ipynb")
    CFG.compare([{"metric": "test accuracy", "book": 0.9785, "run": 0.9791, "source": "Chollet §2.1"},
                 {"metric": "updates", "book": 2345, "run": 2345, "source": "Chollet §2.5"}])
    text = notebooks.write_report(records, {"notebooks/01-foundations/01_first.ipynb": 80.4,
                                            "notebooks/01-foundations/02_other.ipynb": 3.0},
                                  tmp_path / "REPORT.md")
    assert (tmp_path / "REPORT.md").read_text() == text
    lines = text.splitlines()
    assert "| notebook | metric | book | this run | difference | source | run time | device |" in lines
    assert ("| notebooks/01-foundations/01_first.ipynb | test accuracy | 0.9785 | 0.9791 | 0.0006 | "
            "Chollet §2.1 | 80 s | CPU, tensorflow |") in lines
    assert any(line.startswith("| notebooks/01-foundations/01_first.ipynb | updates | 2,345 | 2,345 |")
               for line in lines)
    assert ("| notebooks/01-foundations/02_other.ipynb | (the book reports no number here) "
            "| | | | | 3 s | |") in lines


def test_report_marks_reduced_runs(tmp_path, monkeypatch):
    from dlbook import notebooks

    records = tmp_path / "records"
    monkeypatch.setenv("DLBOOK_RECORDS", str(records))
    monkeypatch.setenv("DLBOOK_NOTEBOOK", "notebooks/04-x/03_sweep.ipynb")
    CFG.compare([{"metric": "val_accuracy", "book": 0.98, "run": 0.97, "source": "Glassner §24.2.2"}])
    text = notebooks.write_report(records, {"notebooks/04-x/03_sweep.ipynb": 675.4,
                                            "notebooks/04-x/04_other.ipynb": 3.0},
                                  tmp_path / "REPORT.md",
                                  {"notebooks/04-x/03_sweep.ipynb": "reduced",
                                   "notebooks/04-x/04_other.ipynb": "full"})
    assert any(line.startswith("| notebooks/04-x/03_sweep.ipynb | val_accuracy | 0.98 | 0.97 |")
               and "| 675 s *reduced* |" in line for line in text.splitlines())
    assert "| notebooks/04-x/04_other.ipynb | (the book reports no number here) | | | | | 3 s | |" in text


def test_reproduce_uses_the_stored_mode(tmp_path):
    import nbformat

    from dlbook import notebooks

    nb = nbformat.v4.new_notebook()
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert notebooks.stored_mode(path) == "full"
    nb.metadata["dlbook"] = {"mode": "reduced"}
    nbformat.write(nb, path)
    assert notebooks.stored_mode(path) == "reduced"
