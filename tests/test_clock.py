"""The mock's clock (service/clock.py): moved by a test, read by every timed state machine,
put back by moto's reset."""

from __future__ import annotations

import time

import pytest

import rekognition_mock
from rekognition_mock.service import clock, controls


def test_advance_moves_now_and_reset_puts_it_back(mocked_aws: None) -> None:
    before = clock.now()
    after = rekognition_mock.advance_clock(3600)
    assert after == pytest.approx(before + 3600, abs=1)
    assert controls.listing()["clock"]["offset_seconds"] == pytest.approx(3600)
    from moto.core.base_backend import BackendDict

    BackendDict.reset()  # moto's reset (a mock starting or stopping, /moto-api/reset)
    assert clock.now() == pytest.approx(time.time(), abs=1) and not clock.is_manual()


def test_a_timer_ends_at_its_second_look_or_when_the_clock_passes_it(mocked_aws: None) -> None:
    timer = clock.Timer.start("starting")
    assert timer.look(counted=False) is False and timer.look(counted=False) is False  # the mock's own checks
    assert timer.look() is False  # reported once...
    assert timer.look() is True  # ...and over at the next look
    assert timer.ended == pytest.approx(clock.now(), abs=1)
    rekognition_mock.manual_clock()
    held = clock.Timer.start("starting")
    assert [held.look() for _ in range(3)] == [False] * 3
    rekognition_mock.advance_clock(clock.DURATIONS["starting"])
    assert held.look() is True and held.ended == pytest.approx(held.started + clock.DURATIONS["starting"])
    rekognition_mock.manual_clock(False)
    assert not clock.is_manual()


def test_bad_clock_values_are_refused() -> None:
    for bad in (-1, "10", True, float("nan")):
        with pytest.raises(ValueError):
            rekognition_mock.advance_clock(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rekognition_mock.manual_clock("yes")  # type: ignore[arg-type]


def test_a_last_look_ends_a_state_unless_the_clock_is_manual(mocked_aws: None) -> None:
    timer = clock.Timer.start("training")
    assert timer.look(last=True) is True  # a waiter's poll: no second look needed
    rekognition_mock.manual_clock()
    held = clock.Timer.start("training")
    assert held.look(last=True) is False and held.look(last=True) is False
