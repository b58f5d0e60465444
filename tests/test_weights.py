"""``rekognition_mock.vision.weights``: the dlib networks shipped as ONNX files.

The files in ``vision/data/`` were converted once from the ``.dat`` files of
``face-recognition-models`` (``scripts/convert_dlib_networks.py``). Here they are checked
against graphs rebuilt from those ``.dat`` files in float32 (the test extra brings ``onnx``
and ``face-recognition-models``): the detector's weights are stored as they are, the
ResNet's larger convolutions as int8 with a scale per output channel and the rest as
float16, which moves descriptors by about 0.01 and distances between faces by under 0.006.
And the runtime needs neither ``onnx`` nor dlib nor any ``.dat`` file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

import imagefactory
from helpers import child_env
from rekognition_mock.vision import EngineConfig, FaceEngine, decode_rgb, dlib_format, dlib_graphs, mmod, mmod_windows, onnx_nets, weights

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def dat_network(name: str) -> dlib_format.Network:
    import face_recognition_models as models

    if name == "mmod":
        path, architecture = models.cnn_face_detector_model_location(), dlib_format.mmod_architecture()
    else:
        path, architecture = models.face_recognition_model_location(), dlib_format.resnet_architecture()
    return dlib_format.read_network(Path(path).read_bytes(), architecture)


def photos() -> dict[str, bytes]:
    """The bundled photos and the composed images with faces."""
    return {
        "grace_hopper": imagefactory.fixture_bytes("grace_hopper.jpg"),
        "astronaut": imagefactory.fixture_bytes("astronaut.jpg"),
        "two_people": imagefactory.two_person_composite(),
        "mirrored": imagefactory.augmented(mirror=True),
        "small_faces": imagefactory.small_faces_scene()[0],
        "dark": imagefactory.dark(),
        "blurred": imagefactory.blurred(),
    }


def test_the_shipped_settings_are_the_dat_files() -> None:
    shipped = json.loads(onnx_nets.shipped("dlib_networks.json"))
    assert shipped["mmod"] == json.loads(json.dumps(dlib_graphs.detector_settings(dat_network("mmod"))))
    assert shipped["resnet"]["mean"] == list(dat_network("resnet").input["mean"])
    import face_recognition_models as models

    for path in (models.cnn_face_detector_model_location(), models.face_recognition_model_location()):
        assert shipped["sources"][Path(path).name]["sha256"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_shipped_detector_finds_what_the_dat_weights_find() -> None:
    """The detector's weights are shipped as float32: same windows, same scores."""
    network = dat_network("mmod")
    front, back = mmod.split_network(network)
    rebuilt = mmod.MMODDetector(
        dlib_graphs.detector_settings(network),
        onnx_nets.session(dlib_graphs.build_model(front, compact_input=True)),
        onnx_nets.session(dlib_graphs.build_model(back, channels=mmod.front_channels(front), taps=True)),
        onnx_nets.session(dlib_graphs.resize_model("half_pixel")),
        onnx_nets.session(dlib_graphs.resize_model("align_corners")),
        onnx_nets.session(dlib_graphs.float16_model()),
    )
    shipped = weights.mmod_detector().model
    found = 0
    for name, data in photos().items():
        rgb = decode_rgb(data)
        for scale in (1.0, 2.0) if rgb.size < 3_000_000 else (1.0,):
            theirs, ours = rebuilt.detect(rgb, scale), shipped.detect(rgb, scale)
            assert [mmod_windows.rounded(w) for w in ours] == [mmod_windows.rounded(w) for w in theirs], (name, scale)
            for a, b in zip(ours, theirs):
                assert abs(a.score - b.score) < 1e-4
                assert max(abs(a.left - b.left), abs(a.top - b.top), abs(a.right - b.right), abs(a.bottom - b.bottom)) < 1e-6
            found += len(ours)
    assert found >= 12  # the photos' faces were really found and compared


def test_the_shipped_resnet_gives_the_dat_weights_descriptors() -> None:
    """The ResNet's weights are shipped as int8 and float16 (computed in float32): on every
    face of the photos, descriptors move by less than 0.02 and distances between faces by
    less than 0.008 (the similarity bench's same-person and stranger figures move by less
    than 1.5 points)."""
    from rekognition_mock.vision.descriptors import ResNetEncoder, face_chip

    network = dat_network("resnet")
    rebuilt = ResNetEncoder(network.input["mean"], onnx_nets.session(dlib_graphs.build_model(network, network.input["size"])))
    shipped = weights.resnet_encoder().model
    engine = FaceEngine(EngineConfig())
    chips = []
    for data in photos().values():
        rgb = decode_rgb(data)
        chips += [face_chip(rgb, f.landmarks) for f in engine.analyze(data).faces]
    assert len(chips) >= 10
    ours, theirs = shipped.encode(chips), rebuilt.encode(chips)
    assert np.abs(ours - theirs).max() < 5e-3
    assert np.linalg.norm(ours - theirs, axis=1).max() < 0.02
    distances = lambda d: np.linalg.norm(d[:, None] - d[None], axis=2)  # noqa: E731
    assert np.abs(distances(ours) - distances(theirs)).max() < 0.008
    assert distances(theirs).max() > 0.5  # different people among the faces: the distances mean something


def test_the_shipped_resnet_stores_int8_and_half_precision_weights() -> None:
    """Int8 convolution weights (behind a Cast and a Mul by their scales) and float16 ones
    (behind a Cast): 27 % of the 22 MB the float32 weights take."""
    import onnx
    from onnx import TensorProto

    data = onnx_nets.shipped("dlib_resnet.onnx")
    weights_float32 = sum(layer.params[key].size * 4 for layer in dat_network("resnet").layers for key in layer.params)
    assert 0.25 < len(data) / weights_float32 < 0.29
    stored = {}
    for initializer in onnx.load_from_string(data).graph.initializer:
        stored[initializer.data_type] = stored.get(initializer.data_type, 0) + int(np.prod(initializer.dims))
    assert stored[TensorProto.INT8] > 0.9 * sum(stored.values())  # 93 %
    assert stored[TensorProto.FLOAT16] > 0


NO_DLIB = """
import sys
for name in ("onnx", "dlib", "_dlib_pybind11", "face_recognition_models"):
    sys.modules[name] = None  # importing any of them fails
import boto3
from rekognition_mock import mock_rekognition
hopper = open({hopper!r}, "rb").read()
two_people = open({two_people!r}, "rb").read()
with mock_rekognition():
    client = boto3.client("rekognition", region_name="us-east-1")
    faces = client.detect_faces(Image={{"Bytes": hopper}}, Attributes=["ALL"])["FaceDetails"]
    match = client.compare_faces(SourceImage={{"Bytes": hopper}}, TargetImage={{"Bytes": two_people}})["FaceMatches"]
    client.create_collection(CollectionId="c")
    client.index_faces(CollectionId="c", Image={{"Bytes": two_people}})
    found = client.search_faces_by_image(CollectionId="c", Image={{"Bytes": hopper}})["FaceMatches"]
from rekognition_mock import configure
configure(detector="hog")
with mock_rekognition():
    hog_faces = boto3.client("rekognition", region_name="us-east-1").detect_faces(Image={{"Bytes": hopper}})["FaceDetails"]
from rekognition_mock.vision import weights
print(len(faces), len(match), round(match[0]["Similarity"]), len(found), len(hog_faces), len(faces[0]["Landmarks"]), faces[0]["EyesOpen"]["Value"], weights.loaded_models())
print(sorted(name for name in sys.modules if name.split(".")[-1] in ("onnx", "dlib", "dlib_format", "dlib_graphs", "ml_dtypes", "face_recognition_models") and sys.modules[name]))
"""


def test_the_engine_needs_neither_dlib_nor_onnx_nor_the_dat_files(tmp_path: Path) -> None:
    """The in-process install brings neither ``dlib-bin`` nor ``face-recognition-models``
    (docs/performance.md#installed-size): with dlib, its model files and ``onnx`` made
    unimportable, DetectFaces with every attribute, CompareFaces, IndexFaces,
    SearchFacesByImage and the HOG detector answer from the shipped files."""
    two_people = tmp_path / "two_people.jpg"
    two_people.write_bytes(imagefactory.two_person_composite())
    code = NO_DLIB.format(hopper=str(imagefactory.fixture_path("grace_hopper.jpg")), two_people=str(two_people))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=child_env(PYTHONPATH=str(REPO)), timeout=300)
    assert out.returncode == 0, out.stderr
    counts, modules = out.stdout.strip().splitlines()
    faces, matches, similarity, found, hog_faces, landmarks, eyes_open, loaded = counts.split(" ", 7)
    assert (faces, matches, found, hog_faces, landmarks, eyes_open) == ("1", "1", "1", "1", "30", "True") and int(similarity) >= 99
    for name in ("mmod", "resnet", "sp68", "hog"):  # the shipped models did the work
        assert repr(name) in loaded
    assert modules == "[]"
