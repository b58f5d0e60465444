"""The onnxruntime sessions' settings: how many threads a network runs on."""

from __future__ import annotations

import os

import pytest

from rekognition_mock import plugin
from rekognition_mock.vision import onnx_nets


def test_threads_default_to_the_machines_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(onnx_nets.THREADS_VARIABLE, raising=False)
    assert onnx_nets.default_threads() == (os.cpu_count() or 1)
    for bad in ("", "0", "-2", "many"):
        monkeypatch.setenv(onnx_nets.THREADS_VARIABLE, bad)
        assert onnx_nets.default_threads() == (os.cpu_count() or 1)
    monkeypatch.setenv(onnx_nets.THREADS_VARIABLE, "1")
    assert onnx_nets.default_threads() == 1


def test_xdist_workers_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `pytest -n N` each worker's networks get the cores / N (at least one), unless the
    user chose a number; without xdist nothing is set."""
    monkeypatch.delenv(onnx_nets.THREADS_VARIABLE, raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    plugin._share_cores_between_workers()
    assert onnx_nets.THREADS_VARIABLE not in os.environ
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    plugin._share_cores_between_workers()
    assert os.environ[onnx_nets.THREADS_VARIABLE] == str(max(1, (os.cpu_count() or 1) // 2))
    monkeypatch.setenv(onnx_nets.THREADS_VARIABLE, "3")  # the user's own choice wins
    plugin._share_cores_between_workers()
    assert os.environ[onnx_nets.THREADS_VARIABLE] == "3"
