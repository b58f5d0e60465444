"""Every fenced block of README.md and docs/*.md runs, and prints what the page shows.

tests/docsrun.py says how each kind of block runs. One test per block: a page's blocks run
together, in order, the first time one of them is asked for (they share a working
directory, a shell's variables and the server the page starts), and each test then reports
its own block. The blocks that define tests run in one pytest process of their own.

The JavaScript example runs under node when ``@aws-sdk/client-rekognition`` is installed
(``npm install @aws-sdk/client-rekognition`` in the checkout, or ``DOCS_RUN_NODE_MODULES``
naming a ``node_modules``); otherwise its one DetectFaces call is made with boto3 against
the same server and printed as node prints it, so the output the page shows is still
checked (``test_javascript_example_path`` says which path this run took).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import docsrun
from docsrun import PAGES, REPO, Block, read_blocks

ALL_BLOCKS = [block for page in PAGES for block in read_blocks(page)]
RUN_BLOCKS = [block for block in ALL_BLOCKS if block.skip_reason is None]

# The blocks that do not run, each with its reason: a new one must be added here on purpose.
SKIPPED = {
    ("README.md", "installs the package and its test tools from the network, then runs this whole suite"),
    ("docs/index.md", "installs the package and its test tools from the network, then runs this whole suite"),
    ("docs/performance.md", "runs the benchmarks, which take minutes and measure the machine"),
    # a user's install: .ci/release-check builds the wheel and the sdist and runs these installs
    ("README.md", "installs from the network; .ci/release-check runs these installs"),
    ("README.md", "installs; .ci/release-check builds and installs this wheel and the sdist"),
    ("docs/index.md", "installs from the network; .ci/release-check runs these installs"),
}


def _not_nested() -> None:
    if os.environ.get("DOCS_RUN_NESTED"):  # a page's command ran this suite: stop here, not recurse
        raise RuntimeError("tests/test_docs_run.py runs inside a block of the docs: mark that block skip")


def _cache_dir() -> str | None:
    from rekognition_mock.settings import settings

    return settings.cache_dir


@pytest.fixture(scope="module")
def docs_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The pages the selected tests need, and the test-module blocks, run two at a time (a
    page is mostly waiting for its subprocesses), started the first time a test asks."""
    _not_nested()
    selected = [item for item in request.session.items if item.module is request.module]
    pages = sorted({item.callspec.params["block"].page for item in selected
                    if hasattr(item, "callspec") and "block" in item.callspec.params}
                   | ({"docs/server.md"} if any(item.name == "test_javascript_example_path" for item in selected) else set()))
    cache_dir = _cache_dir()
    executor = ThreadPoolExecutor(max_workers=2)
    futures: dict[str, Future[Any]] = {}

    def run_page(page: str, work: Path) -> docsrun.PageRun:
        run = docsrun.PageRun(page, work, cache_dir)
        run.run(read_blocks(page))
        return run

    test_modules = {block.id for block, _ in docsrun.pytest_block_files(PAGES)}
    wanted = {*pages, *(["pytest blocks"] if any(
        item.name == "test_every_test_block_ran_under_pytest"
        or (hasattr(item, "callspec") and getattr(item.callspec.params.get("block"), "id", None) in test_modules)
        for item in selected) else [])}
    slowest_first = ["docs/cli.md", "docs/server.md", "pytest blocks"]  # most commands first, the rest fill in
    for name in [*slowest_first, *pages]:
        if name in futures or name not in wanted:
            continue
        work = tmp_path_factory.mktemp(re.sub(r"\W", "_", name))
        if name == "pytest blocks":
            futures[name] = executor.submit(docsrun.run_pytest_blocks, work, cache_dir, PAGES)
        else:
            futures[name] = executor.submit(run_page, name, work)
    yield lambda name: futures[name].result()
    executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def page_runs(docs_runs: Any) -> Any:
    return docs_runs


@pytest.fixture(scope="module")
def pytest_blocks(docs_runs: Any) -> dict[str, dict[str, Any]]:
    return docs_runs("pytest blocks")


@pytest.mark.parametrize("block", RUN_BLOCKS, ids=lambda block: f"{block.id}-{block.lang or 'plain'}")
def test_block_runs_as_shown(block: Block, page_runs: Any, pytest_blocks: dict[str, dict[str, Any]]) -> None:
    if block.checked_by is not None:
        path, _, name = block.checked_by.partition("::")
        assert re.search(rf"^def {re.escape(name)}\(", (REPO / path).read_text(), re.MULTILINE), \
            f"{block.id} says it is checked by {block.checked_by}, which does not exist"
        return
    if block.id in pytest_blocks:
        outcome = pytest_blocks[block.id]
        assert not outcome["failed"] and not outcome["skipped"] and outcome["passed"] == outcome["expected"], (
            f"{block.id}: {outcome['expected']} test(s) in the block, {outcome['passed']} passed, "
            f"failed {outcome['failed']}, skipped {outcome['skipped']}\n{outcome['output']}"
        )
        return
    run = page_runs(block.page)
    assert block.id in run.ran
    failures = run.failures.get(block.id, [])
    assert not failures, "\n\n".join(failures)


def test_every_test_block_ran_under_pytest(pytest_blocks: dict[str, dict[str, Any]]) -> None:
    """The test modules of the docs are the ones the harness found (a block that defines
    tests is never left to the page's script runner)."""
    defining = {block.id for block in RUN_BLOCKS if block.lang == "python" and block.defines_tests
                and block.checked_by is None}
    run_by_page_commands = {block.id for page in PAGES for block in read_blocks(page)
                            if block.file_name and block.file_name in docsrun.run_by_commands(read_blocks(page))}
    assert set(pytest_blocks) == defining - run_by_page_commands
    assert len(pytest_blocks) >= 8


def test_skipped_blocks_are_deliberate() -> None:
    """Every skip marker gives its reason, and the skipped blocks are exactly these."""
    skipped = {(block.page, block.skip_reason) for block in ALL_BLOCKS if block.skip_reason is not None}
    assert skipped == SKIPPED
    assert sum(block.skip_reason is not None for block in ALL_BLOCKS) == len(SKIPPED)
    numbers = {2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven"}
    assert f"{numbers[len(SKIPPED)]} blocks are:" in (REPO / "docs" / "index.md").read_text()


def test_env_markers_are_named_in_the_prose() -> None:
    """A block that runs with variables of its own says so on its page, where readers see it."""
    for block in ALL_BLOCKS:
        for name, value in block.env.items():
            assert f"{name}={value}" in (REPO / block.page).read_text().replace(f"docs-run: env {name}={value}", ""), \
                (block.id, name)


def test_no_indented_code_blocks() -> None:
    """Code is fenced, so the harness sees all of it."""
    for page in PAGES:
        assert docsrun.indented_code_lines((REPO / page).read_text()) == [], page


def test_javascript_example_path(page_runs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Which way the JavaScript example was checked in this run (see the module's docstring)."""
    [block] = [block for block in RUN_BLOCKS if block.lang == "javascript"]
    run = page_runs(block.page)
    assert not run.failures.get(block.id)
    env = docsrun.base_env(Path(run.work), None)
    with capsys.disabled():
        how = "node and @aws-sdk/client-rekognition" if docsrun.node_ready(env) else "boto3 in node's place"
        print(f"\n{block.id}: the JavaScript example ran with {how}")
    assert how


def test_output_matching() -> None:
    match = docsrun.output_matches
    assert match(["a", "b"], ["a", "b", "", ""])
    assert not match(["a", "b"], ["a", "c"])
    assert match(["a", "...", "d"], ["a", "b", "c", "d"]) and match(["a", "...", "d"], ["a", "d"])
    assert not match(["a", "...", "d"], ["a", "b"])
    assert match(["done in ... s"], ["done in 1.5 s"]) and not match(["done in ... s"], ["done in 1.5 ms"])
    assert match(["  ..."], ["x", "y"])
    # decimals within a ten-thousandth (float32 sums differ between CPUs); whole numbers exact
    assert match(['"Confidence": 83.48037'], ['"Confidence": 83.480377'])
    assert not match(['"Confidence": 83.48037'], ['"Confidence": 83.49'])
    assert not match(['"Low": 66'], ['"Low": 67']) and not match(["1 face"], ["1.00001 face"])
    assert match(["took ... s, 0.5 sure"], ["took 3 s, 0.50001 sure"])
    assert docsrun.expected_comments('x = 1\nprint(x)  # 1\n# -> 2\n') == ["1", "2"]
    assert docsrun.expected_comments("print(x)\n") is None
    commands = docsrun.console_commands("$ a \\\n    b\nout\n\n$ c\n")
    assert [(c.text, c.shown) for c in commands] == [("a \\\n    b", ["out", ""]), ("c", [])]
    assert docsrun.serve_argv("X=1 rekognition-mock --detector cnn serve --port 0  # hi") == (
        {"X": "1"}, ["rekognition-mock", "--detector", "cnn", "serve", "--port", "0"])
    assert docsrun.serve_argv("rekognition-mock detect x.jpg") is None
    assert docsrun.js_number(100.0) == "100" and docsrun.js_number(99.983833) == "99.983833"


def test_markers_and_config_blocks() -> None:
    text = ("<!-- docs-run: skip (needs the network) -->\n```bash\npip install x\n```\n\n"
            "<!-- docs-run: env A=1 B=2 -->\n```python\n# test_x.py\ndef test_a():\n    pass\n```\n"
            "```toml\n[tool.x]\ny = 1\n```\n```ini\n[pytest]\naddopts = -q\n```\n")
    skip, named, toml, ini = read_blocks("x.md", text)
    assert skip.skip_reason == "needs the network" and skip.lang == "bash"
    assert named.env == {"A": "1", "B": "2"} and named.file_name == "test_x.py" and named.test_count == 1
    docsrun.check_config(toml)
    docsrun.check_config(ini)
    with pytest.raises(Exception):
        docsrun.check_config(Block("x.md", 1, "toml", "[broken\n"))
    with pytest.raises(ValueError, match="reason"):
        _ = Block("x.md", 1, "bash", "", ["skip"]).skip_reason
