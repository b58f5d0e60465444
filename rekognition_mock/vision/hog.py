"""dlib's HOG face detector (run by numpy, :mod:`.fhog`), two images at a time (numpy's matrix
products let another thread run while they compute), and one run under the detector's lock."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import weights

_HOG_THREAD: ThreadPoolExecutor | None = None
_HOG_THREAD_LOCK = threading.Lock()


def _forget_thread() -> None:
    """In a forked child the worker thread is gone (only the forking thread is copied): a new
    one is started on the next call, instead of work queued for no thread."""
    global _HOG_THREAD, _HOG_THREAD_LOCK
    _HOG_THREAD, _HOG_THREAD_LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_thread)


def hog_runs(images: list[np.ndarray], upsample: int, floor: float) -> list[tuple[list, list, list]]:
    """dlib's HOG detector's ``run`` (rectangles, scores, filter indices) on each image,
    two at a time: every other image goes to the detector's second lock in a worker
    thread (numpy lets the other thread run while it computes)."""
    global _HOG_THREAD
    if len(images) < 2:
        return [hog_run(weights.hog_detector(), image, upsample, floor) for image in images]
    with _HOG_THREAD_LOCK:
        if _HOG_THREAD is None:
            _HOG_THREAD = ThreadPoolExecutor(1, thread_name_prefix="rekognition-mock-hog")
    copy = weights.hog_detector_copy()
    theirs = _HOG_THREAD.submit(lambda: [hog_run(copy, image, upsample, floor) for image in images[1::2]])
    ours = [hog_run(weights.hog_detector(), image, upsample, floor) for image in images[::2]]
    found = theirs.result()
    return [found[i // 2] if i % 2 else ours[i // 2] for i in range(len(images))]


def hog_run(model: weights.LoadedModel, image: np.ndarray, upsample: int, floor: float) -> tuple[list, list, list]:
    with model.lock:
        return model.model.run(image, upsample, floor)
