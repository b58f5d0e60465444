"""The tables in docs/ that restate the code are recomputed from the code here, so they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rekognition_mock.service.models  # noqa: F401  (loaded before pytester's in-process run, see test_plugin)

from rekognition_mock.service import quality_filter, shapes
from rekognition_mock.settings import ENV_CACHE_DIR, ENV_DETECTOR, ENV_MIN_FACE_RATIO, ENV_PLAIN_MOCK_AWS, ENV_ROTATIONS
from rekognition_mock.vision import EngineConfig, detection, quality
from rekognition_mock.vision.similarity import distance_for_similarity, similarity_from_distance

pytest_plugins = ["pytester"]

DOCS = Path(__file__).resolve().parents[1] / "docs"
HOW = (DOCS / "how-it-works.md").read_text()


def table_after(text: str, header_start: str) -> list[list[str]]:
    """The rows (header included, separator left out) of the Markdown table whose header
    row starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if all(set(c) <= set("-: ") for c in cells):
            continue
        rows.append(cells)
    return rows


def number(cell: str) -> float:
    return float(cell.replace("−", "-").replace("≥", "").replace("≤", "").replace("×", "").strip())


def decimals(cell: str) -> int:
    return len(cell.split(".")[1]) if "." in cell else 0


def test_confidence_table() -> None:
    rows = table_after(HOW, "| score | HOG confidence | CNN confidence |")[1:]
    assert len(rows) >= 8
    for score, hog, cnn in rows:
        assert number(hog) == pytest.approx(detection.confidence_from_score(number(score), "hog"), abs=0.006)
        assert number(cnn) == pytest.approx(detection.confidence_from_score(number(score), "cnn"), abs=0.006)


def test_landmark_table() -> None:
    rows = table_after(HOW, "| Type | iBUG points averaged | default |")[1:]
    documented = {name.strip("`"): tuple(int(p) for p in points.split(",")) for name, points, _ in rows}
    assert documented == shapes.LANDMARK_POINTS
    assert {name.strip("`") for name, _, default in rows if default == "yes"} == set(shapes.DEFAULT_LANDMARKS)


def test_similarity_table() -> None:
    distances, similarities = table_after(HOW, "| distance d |")
    for d, s in zip(distances[1:], similarities[1:]):
        expected = float(similarity_from_distance(np.float64(number(d))))
        assert number(s) == pytest.approx(expected, abs=0.6 * 10 ** -decimals(s))


def test_sharpness_table() -> None:
    variances, scores = table_after(HOW, "| Laplacian variance v |")
    for v, s in zip(variances[1:], scores[1:]):
        v = number(v)
        assert number(s) == pytest.approx(100 * v / (v + quality.SHARPNESS_MIDPOINT), abs=0.06)


def test_quality_filter_table() -> None:
    rows = table_after(HOW, "| Level | Confidence | Sharpness | Brightness |")[1:]
    assert [row[0] for row in rows] == list(quality_filter.BARS)
    for level, confidence, sharpness, brightness, side, angle in rows:
        bar = quality_filter.BARS[level]
        low, high = (number(x) for x in brightness.split("–"))
        assert (number(confidence), number(sharpness), low, high, number(side), number(angle)) == (
            bar.confidence, bar.sharpness, bar.brightness_low, bar.brightness_high, bar.side_px, bar.max_angle,
        )


def test_analysis_size_table() -> None:
    rows = table_after(HOW, "| image | smallest face | decoded ÷ | analysed at |")[1:]
    assert rows
    for image, face, reduced, scale in rows:
        width, height = (int(v) for v in re.match(r"(\d+)×(\d+)", image).groups())
        assert number(face.replace("px", "")) == pytest.approx(detection.smallest_face(width, height, EngineConfig()), abs=0.5)
        assert number(reduced) == detection.reduction(width, height, EngineConfig())
        factor = number(scale.split("(")[0])
        assert factor == pytest.approx(detection.analysis_scale(width, height, EngineConfig()), abs=0.006)


def test_settings_documented() -> None:
    """Every environment variable the settings read is named in the docs and the README."""
    readme = (DOCS.parent / "README.md").read_text()
    for name in (ENV_DETECTOR, ENV_CACHE_DIR, ENV_MIN_FACE_RATIO, ENV_ROTATIONS, ENV_PLAIN_MOCK_AWS):
        assert name in HOW
    for name in (ENV_DETECTOR, ENV_ROTATIONS, ENV_PLAIN_MOCK_AWS):
        assert name in readme


def test_module_map_names_real_files() -> None:
    """Every module path in how-it-works' map exists, and every module of the package is in it."""
    package = DOCS.parent / "rekognition_mock"
    named = set(re.findall(r"`((?:service/|store/|vision/)?[a-z_]+\.py)`", HOW))
    for path in named:
        assert (package / path).is_file(), path
    modules = {
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "__init__.py" and p.parent.name in ("service", "store", "vision")
    }
    assert modules <= named, sorted(modules - named)


def test_inspector_figures_in_server_md() -> None:
    from rekognition_mock.inspector import crops
    from rekognition_mock.service import recorder

    server = (DOCS / "server.md").read_text()
    section = server[server.index("## The inspector page") :]
    section = section[: section.index("\n## ")]
    assert f"`--inspector-requests N` | `{recorder.DEFAULT_MAX_ENTRIES}` |" in server
    assert f"last {recorder.DEFAULT_MAX_ENTRIES} requests" in section
    assert f"at most {recorder.DEFAULT_MAX_BYTES // 2**20} MB of their images" in section
    assert f"at most {crops.CROP_SIDE} px" in section
    assert f"at most {crops.DEFAULT_MAX_BYTES // 2**20} MB in memory" in section
    assert f"`{crops.FILE_NAME}`" in section
    script = (DOCS.parent / "rekognition_mock" / "inspector" / "static" / "inspector.js").read_text()
    poll_ms = int(re.search(r"const POLL_MS = (\d+);", script).group(1))
    assert f"every {poll_ms / 1000:g} s" in section


def test_every_image_the_docs_show_exists() -> None:
    shown = {(page.name, ref) for page in DOCS.glob("*.md") for ref in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text())}
    assert shown, "no images in docs/"
    for page, ref in shown:
        assert (DOCS / ref).is_file(), f"{page} shows {ref}, which does not exist"


def test_report_figures_in_pytest_md() -> None:
    from rekognition_mock import report

    from rekognition_mock import plugin
    from rekognition_mock.service import recorder
    from rekognition_mock.settings import PLAIN_MOCK_AWS

    text = (DOCS / "pytest.md").read_text()
    assert f"larger\n  than {report.MAX_SIDE} pixels on its longer side" in text
    assert f"newest {recorder.DEFAULT_MAX_ENTRIES} calls of the test (and about {recorder.DEFAULT_MAX_BYTES // 2**20} MB" in text
    assert f"`{plugin.PLAIN_INI} = moto`" in text and f"The default is `{PLAIN_MOCK_AWS[0]}`." in text
    assert f"`@pytest.mark.{plugin.MOTO_MARKER}`" in text and f"`@pytest.mark.{plugin.ENGINE_MARKER}`" in text


def test_memory_limits_documented() -> None:
    """The cache sizes how-it-works states are the engine's, and the band threshold the decoder's."""
    from rekognition_mock.vision import decode, engine, memory

    caching = HOW[HOW.index("## Caching"):]
    assert f"up to {engine.ANALYSIS_CACHE_BYTES // 2**20} MB" in caching
    assert f"pixels up to {engine.PIXEL_CACHE_BYTES // 2**20} MB" in caching
    assert memory.ANALYSIS_BUDGET_PIXELS == 2 * 1920 * 2 * 1080  # "the detector's view of one 1080p image"
    assert f"more than {decode.BANDED_PIXELS // 1_000_000} million pixels" in HOW


SCRIPTING = (DOCS / "scripting.md").read_text()


def test_injectable_errors_table() -> None:
    """docs/scripting.md lists every error inject_error takes, with its status, message and
    whether botocore's standard retry mode retries it."""
    from botocore.retries import standard

    from rekognition_mock.service import exceptions

    rows = table_after(SCRIPTING, "| `error_code` | HTTP status |")[1:]
    documented = {code.strip("`"): (int(status), retried, message) for code, status, retried, message in rows}
    assert set(documented) == set(exceptions.error_codes())
    throttling = standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    transient = standard.TransientRetryableChecker._TRANSIENT_STATUS_CODES
    for code, (status, retried, message) in documented.items():
        cls = exceptions.error_class(code)
        assert cls is not None and (status, message) == (cls.code, cls.default_message), code
        assert retried == ("yes" if status in transient or code in throttling else "no"), code


def test_http_controls_table() -> None:
    """Every control the server takes is in docs/scripting.md's table, and only those."""
    from rekognition_mock.service import controls

    rows = table_after(SCRIPTING, "| Call (Python) | Over HTTP")[1:]
    routes = {re.search(r"`(?:POST|GET) /_rekognition_mock/([a-z-]+)`", http).group(1) for _, http, _ in rows if http}
    assert routes == set(controls.HTTP_CONTROLS) | {"controls"}


def test_users_figures_in_the_docs() -> None:
    """The users figures operations.md and collections.md state are the code's."""
    from rekognition_mock.service import limits
    from rekognition_mock.store import users

    operations = (DOCS / "operations.md").read_text()
    section = lambda name: operations[operations.index(f"## {name}\n"):].split("\n## ")[0]  # noqa: E731
    assert f"| `UserMatchThreshold` | yes | {limits.DEFAULT_ASSOCIATE_THRESHOLD:g} |" in section("AssociateFaces")
    for name in ("SearchUsers", "SearchUsersByImage"):
        assert f"| `UserMatchThreshold` | yes | {limits.DEFAULT_USER_SEARCH_THRESHOLD:g} |" in section(name)
        assert f"| `MaxUsers` | yes (1 to 500) | {limits.DEFAULT_MAX_USERS} (AWS documents none) |" in section(name)
    assert f"| `MaxResults` | yes (1 to 500) | {limits.DEFAULT_USER_PAGE} (AWS documents none) |" in section("ListUsers")
    assert f"the user reached {limits.MAX_FACES_PER_USER} faces" in section("AssociateFaces")
    assert f"already holds {limits.MAX_FACES_PER_USER} faces" in section("AssociateFaces")
    text = (DOCS / "collections.md").read_text()
    assert f"at most\n{limits.MAX_FACES_PER_USER} faces (`MAX_FACES_PER_USER`" in text
    assert f"the last {users.REMEMBERED_REPLIES} per collection" in text


def test_threshold_and_distance_in_collections_md() -> None:
    """collections.md's threshold-to-distance numbers come from vision/similarity.py."""
    from rekognition_mock.service.limits import DEFAULT_SIMILARITY_THRESHOLD as default

    text = (DOCS / "collections.md").read_text().replace("\n", " ")
    assert f"(`FaceMatchThreshold`, default {default:g}) becomes a maximum distance" in text
    assert f"({distance_for_similarity(default):.3f} for {default:g};" in text
    assert f"a distance of about 0.69, similarity about {similarity_from_distance(0.69):.0f})" in text


def test_user_vector_distances_in_collections_md() -> None:
    """The distances collections.md gives for the user vector, recomputed on the photos."""
    import imagefactory
    from rekognition_mock.settings import engine

    def descriptor(data: bytes) -> np.ndarray:
        return engine().analyze(data, descriptors=True).faces[0].descriptor

    three = [descriptor(d) for d in (imagefactory.fixture_bytes("grace_hopper.jpg"), imagefactory.augmented(),
                                     imagefactory.augmented(mirror=True))]
    text = (DOCS / "collections.md").read_text().replace("\n", " ")
    for radius in (1, 3.5):
        probe = descriptor(imagefactory.blurred(radius=radius))
        single = [float(np.linalg.norm(probe - d)) for d in three]
        mean = float(np.linalg.norm(probe - np.mean(three, axis=0)))
        assert f"{mean:.3f} from the mean of three photos against {min(single):.3f}–{max(single):.3f}" in text \
            or f"{mean:.3f} against {min(single):.3f}–{max(single):.3f}" in text


def test_label_figures_in_operations_md() -> None:
    """The DetectLabels and DetectModerationLabels defaults operations.md states are limits.py's."""
    from rekognition_mock.service import limits

    operations = (DOCS / "operations.md").read_text()
    section = lambda name: operations[operations.index(f"## {name}\n"):].split("\n## ")[0]  # noqa: E731
    labels = section("DetectLabels")
    assert f"| `MinConfidence` | yes | {limits.DEFAULT_LABEL_MIN_CONFIDENCE:g} |" in labels
    assert f"| `MaxLabels` | yes (at most {limits.MAX_LABELS}) | {limits.MAX_LABELS} |" in labels
    assert f"| `Settings.ImageProperties.MaxDominantColors` | yes | {limits.DEFAULT_MAX_DOMINANT_COLORS} |" in labels
    assert f'`LabelModelVersion` is `"{limits.LABEL_MODEL_VERSION}"`' in labels
    moderation = section("DetectModerationLabels")
    assert f"| `MinConfidence` | yes | {limits.DEFAULT_MODERATION_MIN_CONFIDENCE:g} |" in moderation
    assert f'`ModerationModelVersion` `"{limits.MODERATION_MODEL_VERSION}"`' in moderation
    assert f"`MinConfidence` (default {limits.DEFAULT_LABEL_MIN_CONFIDENCE:g}," in SCRIPTING
    assert f"`MinConfidence` filters them (default {limits.DEFAULT_MODERATION_MIN_CONFIDENCE:g}," in SCRIPTING


def model_shape(path: str) -> Any:
    """The shape of a member of DetectFaces' input, by its path in a validation message
    (``image.bytes``)."""
    from rekognition_mock.service.validation import service_model

    shape = service_model().operation_model("DetectFaces").input_shape
    for name in path.split("."):
        shape = next(member for key, member in shape.members.items() if key[:1].lower() + key[1:] == name)
    return shape


def test_errors_table_in_operations_md() -> None:
    """Each row of operations.md's error table names an error class of service/exceptions.py
    with its HTTP status, and a message the code sends: the class's default, or text the
    package's source holds (``<...>`` and ``...`` stand for what varies)."""
    from rekognition_mock.service import exceptions, limits

    package = Path(exceptions.__file__).resolve().parents[1]
    source = "\n".join(p.read_text() for p in package.rglob("*.py"))
    operations = (DOCS / "operations.md").read_text()
    rows = table_after(operations, "| Situation | Error | HTTP | Message |")[1:]
    assert len(rows) >= 15
    for situation, error, status, message in rows:
        cls = getattr(exceptions, error.strip("`"))
        assert issubclass(cls, exceptions.RekognitionError) and int(status) == cls.code, situation
        text = message.split("`")[1]
        if cls is exceptions.ValidationException:  # assembled from the model's constraints: tests/test_validation.py
            for path, bound in re.findall(r"at '([\w.]+)' failed to satisfy constraint: Member must have length less than or equal to (\d+)", text):
                shape = model_shape(path)
                assert int(bound) == shape.metadata["max"], situation
            continue
        if "<" not in text and "..." not in text:
            assert text == cls.default_message or f'"{text}"' in source, situation
            continue
        text = text.removeprefix(cls.default_message + " ")  # ImageTooLargeException.detail(...)
        for fragment in re.split(r"<[^>]+>|\.\.\.|\b\d+\b", text):  # numbers: limits.py's, below
            assert fragment in source or fragment in cls.default_message, (situation, fragment)
        for number in re.findall(r"\b\d+\b", re.sub(r"<[^>]+>", "", text)):
            assert int(number) in vars(limits).values(), (situation, number)


def test_moto_facts_in_migrating_from_moto_md() -> None:
    """What docs/migrating-from-moto.md says moto's own backend answers is what the
    installed moto answers."""
    from moto.rekognition.models import RekognitionBackend as MotoBackend
    from moto.rekognition.responses import RekognitionResponse as MotoResponse

    text = (DOCS / "migrating-from-moto.md").read_text()
    backend = MotoBackend("us-east-1", "123456789012")
    matches, source_rotation, target_rotation, unmatched, source_face = backend.compare_faces()
    assert len(matches) == len(unmatched) == 1
    similarity = matches[0]["Similarity"]
    assert f"one face match\nwith a similarity of {similarity}" in text
    assert f"a {similarity} match" in text and f"a similarity of {similarity}, a confidence of\n  {source_face['Confidence']}" in text
    assert source_rotation == target_rotation == "ROTATE_90" and "set to `ROTATE_90`" in text
    [label] = backend.detect_labels()[0]
    assert f'"{label["Name"]}"' in text
    [custom] = backend.detect_custom_labels()[0]
    assert f'a "{custom["Name"]}" label' in text
    for operation in ("detect_faces", "index_faces", "create_collection", "search_faces_by_image", "create_user",
                      "detect_moderation_labels"):
        assert not hasattr(MotoResponse, operation), operation  # "not implemented there at all"


def test_attribute_tables_in_how_it_works_md() -> None:
    from rekognition_mock.vision import attributes, emotions, face_mesh, mesh_attributes

    section = HOW[HOW.index("## Facial attributes"):HOW.index("## Similarity")]
    groups = {row[0].strip("`"): {k.strip("`") for k in row[1].split(", ")} for row in table_after(section, "| Group |")[1:]}
    for key in shapes.attribute_keys().values():
        needs = set(shapes.KEY_GROUPS.get(key, shapes.MEASURED))
        assert needs == {group for group, keys in groups.items() if key in keys}, key
    mapping = {row[0].split(":")[0]: row[1] for row in table_after(section, "| FER2013 class |")[1:]}
    assert mapping == shapes.EXPRESSION_TYPES
    assert set(shapes.emotion_types()) == set(shapes.EXPRESSION_TYPES.values())  # every type has a source
    assert f"q / (q + {emotions.ALONE:g} · (1 − q))" in section
    evidence = {row[0].strip("`").split("`")[0]: row[1] for row in table_after(section, "| Attribute | Evidence")[1:]}
    held = {
        "Sunglasses": (attributes.SUNGLASSES_SURROUND,),
        "FaceOccluded": (attributes.COVERED_MOUTH_EDGES, attributes.CUT_SHARE),
    }
    for name, values in held.items():
        for value in values:
            assert f"{value:g}" in evidence[name], (name, value)
    answers = {row[0]: row[1] for row in table_after(section, "| Attribute | Measures")[1:]}
    assert f"closed from {mesh_attributes.EYES_CLOSED_AT:g} (slope {mesh_attributes.EYES_CLOSED_SLOPE:g}" in answers["`EyesOpen`"]
    assert f"a smile from {mesh_attributes.SMILE_AT:g}" in answers["`Smile`"]
    for name in (*mesh_attributes.EYEGLASSES[0], *mesh_attributes.BEARD[0]):
        name = name.removeprefix("log_")
        if name.split("_")[0] in face_mesh.REGIONS:
            assert f"`{name}`" in section, name
    # one row for both: the same inputs, and Mustache the expression network's read-out besides
    assert mesh_attributes.MUSTACHE[0].keys() - mesh_attributes.BEARD[0].keys() == {"expression_readout"}
    assert mesh_attributes.BEARD[0].keys() < mesh_attributes.MUSTACHE[0].keys()
    assert "`Mustache` also the expression network's read-out of a moustache (`expression_readout`" in answers["`Beard`, `Mustache`"]
    assert f"grown {face_mesh.GROWTH:.3g} times" in section and f"{face_mesh.FOREHEAD * 100:.0f} % of its height" in section
    assert "square root" in section and emotions.FLATTEN == 0.5
    assert f"neutral class weighed {emotions.NEUTRAL_WEIGHT:g} times" in section
    assert f"{attributes.CHIP_SIZE} px, padding {attributes.CHIP_PADDING:g}" in section


def fenced_after(text: str, marker: str) -> str:
    """The fenced block right after the ``docs-run: checked by`` marker naming ``marker``
    (its lines unindented)."""
    start = text.index(f"checked by tests/test_docs.py::{marker} -->")
    lines = text[start:].splitlines()[2:]
    body = lines[: next(i for i, line in enumerate(lines) if line.strip().startswith("```"))]
    return "\n".join(line.strip() for line in body)


def test_layers_tree_in_how_it_works_md() -> None:
    """Every file and folder the layers tree of how-it-works.md names is in the package."""
    tree = fenced_after(HOW, "test_layers_tree_in_how_it_works_md")
    package = DOCS.parent / "rekognition_mock"
    named = re.findall(r"(?:^|\s)(\w+(?:\.py|/))(?=\s|$)", tree, re.MULTILINE)
    assert {"settings.py", "_hook.py", "plugin.py", "server.py", "cli.py", "service/", "store/", "vision/"} <= set(named)
    assert named[0] == "rekognition_mock/"
    for name in named[1:]:
        assert (package / name.rstrip("/")).exists(), name


def test_confidence_formula_in_how_it_works_md() -> None:
    """The confidence formula how-it-works.md shows is confidence_from_score's."""
    formula = fenced_after(HOW, "test_confidence_formula_in_how_it_works_md")
    match = re.fullmatch(r"confidence = 100 / \(1 \+ exp\(−(\d+) · \(s − c\)\)\)\s+"
                         r"c = ([\d.]+) for HOG, ([\d.]+) for the CNN", formula)
    assert match, formula
    slope, centres = float(match.group(1)), {"hog": float(match.group(2)), "cnn": float(match.group(3))}
    for detector, centre in centres.items():
        for score in (-0.5, 0.0, 0.1, 0.3, 0.7, 1.2):
            assert detection.confidence_from_score(score, detector) == pytest.approx(
                100 / (1 + np.exp(-slope * (score - centre))), abs=1e-9)


def test_similarity_formula_in_how_it_works_md() -> None:
    """The knots and the tail of z(d) how-it-works.md shows are vision/similarity.py's."""
    from rekognition_mock.vision import similarity

    formula = fenced_after(HOW, "test_similarity_formula_in_how_it_works_md")
    assert formula.startswith("similarity_from_distance(d) = 100 / (1 + exp(−z(d)))")
    knots = [(number(d), number(z)) for d, z in re.findall(r"\(([\d.]+), ([−\d.]+)\)", formula)]
    assert knots == [tuple(knot) for knot in similarity.KNOTS]
    tail = re.search(r"falling by (\d+) per unit of distance beyond ([\d.]+)", formula)
    assert tail and -number(tail.group(1)) == similarity.TAIL_SLOPE and number(tail.group(2)) == similarity.KNOTS[-1][0]
    for d in (0.0, 0.3, 0.45, 0.6, 0.7):
        z = np.interp(d, *zip(*knots)) if d <= knots[-1][0] else knots[-1][1] + similarity.TAIL_SLOPE * (d - knots[-1][0])
        assert similarity_from_distance(d) == pytest.approx(100 / (1 + np.exp(-z)), abs=1e-9)


def test_validation_examples_in_operations_md(unvalidated_rekognition: Any) -> None:
    """The two ValidationException messages operations.md shows are the mock's answers to
    the requests they name (``...`` stands for the part left out)."""
    from docsrun import output_matches

    text = (DOCS / "operations.md").read_text()
    first, second = (fenced_after(text[i:], "test_validation_examples_in_operations_md").replace("\n", " ")
                     for i in (0, text.rindex("checked by tests/test_docs.py::test_validation_examples_in_operations_md")))
    client = unvalidated_rekognition
    with pytest.raises(client.exceptions.ClientError) as one:
        client.compare_faces(SourceImage={"Bytes": b"x"}, TargetImage={"Bytes": b"x"}, SimilarityThreshold=101.0)
    with pytest.raises(client.exceptions.ClientError) as three:
        client.search_faces(CollectionId="bad id", FaceId="nope", MaxFaces=5000)
    for shown, raised in ((first, one), (second, three)):
        assert raised.value.response["Error"]["Code"] == "ValidationException"
        assert output_matches([shown], [raised.value.response["Error"]["Message"]]), \
            (shown, raised.value.response["Error"]["Message"])


def test_figures_in_readme_md() -> None:
    """The numbers README.md states about the engine, the photos and the tests are the code's."""
    from rekognition_mock.fixtures import fixture_names
    from rekognition_mock.service import limits

    readme = (DOCS.parent / "README.md").read_text().replace("\n", " ")
    face = detection.smallest_face(1920, 1080, EngineConfig())
    assert f"down to {face:g} px in a 1920×1080 photo" in readme
    assert f"down to {face:g} px in a 1920×1080 image" in readme
    assert f"a {limits.MAX_IMAGE_SIDE}×{limits.MAX_IMAGE_SIDE} PNG" in readme  # the largest the API takes
    names = {0: "no", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    assert f"`rekognition_mock.fixtures.face_image` has {names[len(fixture_names())]})" in readme
    inspector_tests = (DOCS.parent / "tests" / "test_inspector.py").read_text()
    browser_tests = len(re.findall(r"^def test_\w+\([^)]*\bpage: Any", inspector_tests, re.MULTILINE))
    assert f"The {names[browser_tests]} browser tests of the inspector page" in readme


def test_command_defaults_in_cli_md_and_server_md() -> None:
    """The defaults and limits cli.md and server.md give for the command are its parser's and
    the service's."""
    from rekognition_mock import cli
    from rekognition_mock.service import limits
    from rekognition_mock.service.validation import service_model

    parser = cli._parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    serve = {a.dest: a.default for a in sub["serve"]._actions}
    compare = {a.dest: a.default for a in sub["compare"]._actions}
    text = (DOCS / "cli.md").read_text().replace("\n", " ")
    assert f"`--similarity-threshold` (default {compare['similarity_threshold']:g})" in text
    assert f"`--host` (default `{serve['host']}`), `--port` (default `{serve['port']}`" in text
    assert f"with {len(shapes.LANDMARK_POINTS)} landmarks" in text and f"its {len(shapes.LANDMARK_POINTS)} landmarks" in text
    assert f"at least {limits.MIN_IMAGE_SIDE} pixels on the shorter side, at most 5 MB" in text
    bytes_max = service_model().operation_model("DetectFaces").input_shape.members["Image"].members["Bytes"].metadata["max"]
    assert bytes_max == 5 * 1024 * 1024
    server = (DOCS / "server.md").read_text()
    assert f"| `--host ADDR` | `{serve['host']}` |" in server and f"| `--port N` | `{serve['port']}` |" in server
    assert f"`Content-Length` is above {limits.MAX_REQUEST_BYTES // 2**20} MB" in server.replace("\n", " ")
    index = (DOCS / "index.md").read_text().replace("\n", " ")
    assert f"Objects over {limits.MAX_S3_IMAGE_BYTES // 2**20} MB give `ImageTooLargeException`" in index


def test_compose_example_in_server_md() -> None:
    """server.md's Docker Compose example: two replicas whose `serve` command the parser takes,
    on the PostgreSQL service of the file, installing the extras --state-url needs, behind a
    balancer whose upstream is both replicas on the port they serve and which lets through
    the largest request the mock takes (the mock answers a larger one itself)."""
    import json
    import shlex

    import yaml

    from rekognition_mock import cli
    from rekognition_mock.service import limits

    text = (DOCS / "server.md").read_text()
    block = text.split("test_compose_example_in_server_md -->\n```yaml\n", 1)[1].split("```", 1)[0]
    assert "replica1: &replica" in block and "<<: *replica" in block and "image: postgres:" in block
    line = next(line for line in block.splitlines() if line.strip().startswith("command:"))
    command = json.loads(line.split("command:", 1)[1])
    assert command[:2] == ["sh", "-c"]
    install, _, serve = command[2].partition(" && exec ")
    assert shlex.split(install) == ["pip", "install", "rekognition-mock[server,postgres]"]
    argv = shlex.split(serve)
    assert argv[0] == "rekognition-mock"
    args = cli._parser().parse_args(argv[1:])
    assert args.command == "serve" and args.state_url == "postgresql://postgres:mock@db/rekognition"
    assert "POSTGRES_PASSWORD: mock, POSTGRES_DB: rekognition" in block
    compose = yaml.safe_load(block)
    services = compose["services"]
    assert services["replica1"]["command"] == services["replica2"]["command"] == command
    assert services["db"]["environment"] == {"POSTGRES_PASSWORD": "mock", "POSTGRES_DB": "rekognition"}
    balancer = services["balancer"]
    assert set(balancer["depends_on"]) == {"replica1", "replica2"} and args.host == "0.0.0.0"
    config = compose["configs"][balancer["configs"][0]["source"]]["content"]
    upstream = re.search(r"upstream (\w+) \{([^}]*)\}", config)
    assert upstream and f"proxy_pass http://{upstream.group(1)};" in config
    assert re.findall(r"server (\S+);", upstream.group(2)) == [f"replica1:{args.port}", f"replica2:{args.port}"]
    listen = int(re.search(r"listen (\d+);", config).group(1))
    assert balancer["ports"] == [f"{listen}:{listen}"]
    body = int(re.search(r"client_max_body_size (\d+)m;", config).group(1))
    assert body * 2**20 > limits.MAX_REQUEST_BYTES
