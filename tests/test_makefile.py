"""The Makefile chooses TensorFlow's GPU build when an NVIDIA GPU answers, the CPU
build otherwise, and never both; `make lab` works as root. Checked with `make -n`
(nothing is installed) and a fake `nvidia-smi` on the PATH."""

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(tmp_path, target, *args, gpu_answers=False):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if gpu_answers:
        fake = bin_dir / "nvidia-smi"
        fake.write_text('#!/bin/sh\necho "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)"\n')
        fake.chmod(0o755)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if not (pathlib.Path(p) / "nvidia-smi").exists())  # hide a real one
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{path}"}
    env.pop("GPU", None)
    result = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return result.stdout


def test_cpu_build_without_a_gpu(tmp_path):
    out = _dry_run(tmp_path, "venv")
    assert "pip install --quiet -r requirements.txt" in out
    assert "requirements-gpu.txt" not in out
    assert "uninstall --quiet --yes tensorflow " in out  # a GPU build from before goes first


def test_gpu_build_when_nvidia_smi_answers(tmp_path):
    out = _dry_run(tmp_path, "venv", gpu_answers=True)
    assert "pip install --quiet -r requirements-gpu.txt" in out
    assert "-r requirements.txt" not in out
    assert "uninstall --quiet --yes tensorflow-cpu " in out


def test_gpu_variable_overrides_the_detection(tmp_path):
    assert "-r requirements.txt" in _dry_run(tmp_path, "venv", "GPU=0", gpu_answers=True)
    assert "-r requirements-gpu.txt" in _dry_run(tmp_path, "venv", "GPU=1")


def test_gpu_requirements_differ_only_in_the_tensorflow_build():
    def pins(name):
        return [line for line in (ROOT / name).read_text().splitlines() if line and not line.startswith("#")]
    cpu, gpu = pins("requirements.txt"), pins("requirements-gpu.txt")
    assert [l for l in cpu if not l.startswith("tensorflow-cpu")] == \
           [l for l in gpu if not l.startswith("tensorflow[and-cuda]")]
    assert 'tensorflow[and-cuda]==2.21.0; sys_platform == "linux"' in gpu
    assert not any(l.startswith("tensorflow-cpu") for l in gpu)


def test_lab_as_root_allows_root_and_skips_the_news_question(tmp_path):
    out = _dry_run(tmp_path, "lab")
    assert ("--allow-root" in out) == (os.geteuid() == 0)
    assert '"fetchNews": "false"' in out and "overrides.json" in out
