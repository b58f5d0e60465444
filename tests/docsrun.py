"""The machinery of tests/test_docs_run.py: read the fenced blocks of README.md and docs/*.md,
run each the way a reader would, and compare what it prints with what the page shows.

How each kind of block runs (docs/index.md, "Every example runs", says the same to readers):

- A page runs in a fresh working directory that looks like the repository root (its
  ``rekognition_mock/``, ``tests/``, ``README.md``, ... linked in), with fake AWS
  credentials, ``us-east-1`` and nothing from the caller's ``AWS_*``/``REKOGNITION_MOCK_*``
  variables. Its blocks run in order and share that directory and the shell's exported
  variables, as they would in one terminal.
- ``console`` blocks (and ``bash`` blocks with ``$ `` prompts): each command runs in bash,
  stdout and stderr together, and must print the lines shown after it. ``...`` alone on a
  line stands for any number of lines, ``...`` inside a line for any text, and a decimal
  number for any within a ten-thousandth of it (whole numbers must be equal). The server the
  page talks to is on a free port: ``127.0.0.1:5000`` and ``localhost:5000`` in commands
  and code are that port, and the output shows it as 5000 again.
  ``rekognition-mock serve`` starts in the background (on that port unless the command
  names one) and keeps serving the page's later blocks; what it printed is compared with
  the lines shown under it when it stops: at the next ``serve`` of the page, at
  ``kill ... <server pid>``, or at the end of the page. A ``^C`` line among them is where
  the page sends it SIGINT (Ctrl-C); without one, only what it printed before it was
  stopped is compared.
- ``bash`` blocks without prompts are scripts: they run in the page's shell and must exit
  0; the ``REKOGNITION_MOCK_*`` variables they export must then pass the settings' check.
- ``python`` blocks: a block whose first line is ``# NAME.py`` is a file, written into the
  working directory when the page reaches it. Blocks that define tests (``def test_``) run
  under pytest (with the plugin, as a user's suite does) and must pass, every test in them,
  unless a console block of the page runs the file itself (then its shown output checks it).
  Other blocks are scripts run with ``python``: they must exit 0, and what they print must
  be the ``text`` block that follows them, or the output comments in them (``print(x)  # out``,
  or ``# -> out`` lines), in order.
- ``javascript`` blocks are files (``// NAME.mjs``) that a console block of the page runs
  with ``node``. Without node or the ``@aws-sdk/client-rekognition`` package the harness
  checks the one program shape the docs use (read a photo, DetectFaces, log
  ``FaceDetails.length`` and a member of the first face) by making the same call with
  boto3 against the same server and printing it as node would; any other program fails.
- ``ini``, ``toml``, ``json`` blocks that are not output are parsed with the real parser.
- Markers, HTML comments right before the fence:
  ``<!-- docs-run: skip (reason) -->`` (not run; the reason is required and the list of
  skipped blocks is asserted), ``<!-- docs-run: checked by tests/test_docs.py::test_x -->``
  (a block that is no program, such as a formula, checked by that test), and
  ``<!-- docs-run: env NAME=VALUE ... -->`` (variables the block runs with, which the page
  must say in its prose).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *(f"docs/{p.name}" for p in sorted((REPO / "docs").glob("*.md")))]
# What a page's working directory links in from the checkout (its own files, not its tool configuration).
CHECKOUT_ENTRIES = ("rekognition_mock", "tests", "docs", "bench", "scripts", "README.md")
DOC_PORT = 5000
COMMAND_TIMEOUT = 180  # seconds; generous for a loaded machine, not a timing assertion
START_TIMEOUT = 120

MARKER = re.compile(r"^\s*<!--\s*docs-run:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*$")
FILE_NAME = re.compile(r"^(?:#|//)\s*([\w.-]+\.(?:py|mjs|js))\s*$")
OUTPUT_KINDS = ("text", "")
CONFIG_KINDS = ("ini", "toml", "json")


# -- reading the pages ----------------------------------------------------------------------


@dataclass
class Block:
    page: str
    line: int  # the opening fence's line, from 1
    lang: str
    text: str
    markers: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def marker(self, kind: str) -> str | None:
        """The text after ``kind`` of this block's marker of that kind."""
        for marker in self.markers:
            if marker == kind or marker.startswith(kind + " "):
                return marker[len(kind):].strip()
        return None

    @property
    def skip_reason(self) -> str | None:
        reason = self.marker("skip")
        if reason is None:
            return None
        match = re.fullmatch(r"\((.+)\)", reason)
        if not match:
            raise ValueError(f"{self.id}: a skip marker needs its reason: <!-- docs-run: skip (why) -->")
        return match.group(1)

    @property
    def checked_by(self) -> str | None:
        return self.marker("checked by")

    @property
    def env(self) -> dict[str, str]:
        assignments = self.marker("env")
        if assignments is None:
            return {}
        pairs = [word.split("=", 1) for word in shlex.split(assignments)]
        if not all(len(pair) == 2 for pair in pairs):
            raise ValueError(f"{self.id}: an env marker takes NAME=VALUE words: {assignments!r}")
        return dict(pairs)  # type: ignore[arg-type]

    @property
    def file_name(self) -> str | None:
        """``test_faces.py`` for a block that starts ``# test_faces.py``."""
        first = self.text.split("\n", 1)[0]
        match = FILE_NAME.match(first)
        return match.group(1) if match else None

    @property
    def defines_tests(self) -> bool:
        return re.search(r"^\s*def test_", self.text, re.MULTILINE) is not None

    @property
    def test_count(self) -> int:
        return len(re.findall(r"^\s*def test_", self.text, re.MULTILINE))

    @property
    def has_prompts(self) -> bool:
        return any(line.startswith("$ ") for line in self.text.splitlines())


def read_blocks(page: str, text: str | None = None) -> list[Block]:
    """The fenced blocks of ``page`` (a path relative to the repository), in order."""
    lines = (text if text is not None else (REPO / page).read_text()).splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, lang = match.groups()
        markers: list[str] = []
        j = i - 1
        while j >= 0 and MARKER.match(lines[j]):
            markers.insert(0, MARKER.match(lines[j]).group(1))  # type: ignore[union-attr]
            j -= 1
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence[0] * len(fence)) and
                                      set(lines[i].strip()) == {fence[0]}):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        if i == len(lines):
            raise ValueError(f"{page}:{start + 1}: the block is never closed")
        found.append(Block(page, start + 1, lang.lower(), "\n".join(body) + "\n", markers))
        i += 1
    return found


def indented_code_lines(text: str) -> list[int]:
    """Lines that would start an indented code block (4 spaces after a blank line, outside
    fences and list items): blocks this harness would not see."""
    found = []
    lines = text.splitlines()
    in_fence = False
    in_list = False
    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if re.match(r"^(\s*)([-*+]|\d+\.)\s", line) and not line.startswith("    "):
            in_list = True
        elif line and not line.startswith(" "):
            in_list = False
        if line.startswith("    ") and number > 1 and not lines[number - 2].strip() and not in_list:
            found.append(number)
    return found


# -- comparing output ----------------------------------------------------------------------------


def terminal_lines(output: str) -> list[str]:
    """``output`` as a terminal leaves it: a carriage return starts its line over (progress
    lines such as the AWS CLI's are overwritten)."""
    return [line.rsplit("\r", 1)[-1] for line in output.split("\n")]


def trim(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


DECIMAL = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?")
DECIMAL_RELATIVE = 1e-4  # a decimal the page shows may differ by this much, relatively, from what is printed


def _line_matches(shown: str, actual: str) -> bool:
    """``actual`` is ``shown``, where ``...`` stands for any text and a decimal number for any
    number within :data:`DECIMAL_RELATIVE` of it (a network's float32 sums differ in their
    last digits between CPUs; whole numbers, such as counts and pixels, must be equal)."""
    if shown == actual:
        return True
    numbers: list[float] = []

    def literal(text: str) -> str:
        pieces, at = [], 0
        for found in DECIMAL.finditer(text):
            pieces.append(re.escape(text[at:found.start()]) + r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
            numbers.append(float(found.group()))
            at = found.end()
        return "".join(pieces) + re.escape(text[at:])

    pattern = ".*?".join(literal(part) for part in shown.split("..."))
    matched = re.fullmatch(pattern, actual)
    if matched is None:
        return False
    return all(abs(float(printed) - value) <= DECIMAL_RELATIVE * max(abs(value), 1.0)
               for printed, value in zip(matched.groups(), numbers))


def output_matches(shown: list[str], actual: list[str]) -> bool:
    """``actual`` is what ``shown`` shows: line for line, ``...`` alone on a line standing for
    any number of lines and ``...`` in a line for any text."""
    shown, actual = trim(shown), trim(actual)
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(shown):
                result = j == len(actual)
            elif shown[i].strip() == "...":
                result = match(i + 1, j) or (j < len(actual) and match(i, j + 1))
            else:
                result = j < len(actual) and _line_matches(shown[i], actual[j]) and match(i + 1, j + 1)
            memo[(i, j)] = result
        return memo[(i, j)]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * (len(shown) + len(actual)) + 100))
    return match(0, 0)


def mismatch(what: str, shown: list[str], actual: list[str]) -> str:
    import difflib

    diff = "\n".join(difflib.unified_diff(trim(shown), trim(actual), "shown", "printed", lineterm=""))
    return f"{what}: the page shows other output than it prints\n{diff}"


def expected_comments(source: str) -> list[str] | None:
    """The output a Python block states in its comments: ``print(...)  # out`` and
    ``# -> out`` lines, in order; None when it states none."""
    found: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        arrow = re.match(r"#\s*->\s?(.*)$", stripped)
        if arrow:
            found.append(arrow.group(1))
            continue
        if stripped.startswith("print(") and "  # " in stripped:
            found.append(stripped.split("  # ", 1)[1])
    return found or None


# -- commands of a console block ------------------------------------------------------------------


@dataclass
class Command:
    text: str
    shown: list[str]


def console_commands(text: str) -> list[Command]:
    commands: list[Command] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            if commands:
                commands[-1].shown.append(line)
            elif line.strip():
                raise ValueError(f"output before the first command: {line!r}")
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]
        commands.append(Command(command, []))
        i += 1
    return commands


def serve_argv(command: str) -> tuple[dict[str, str], list[str]] | None:
    """(variables, argv) of a ``rekognition-mock ... serve ...`` command, else None."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    assignments = {}
    while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
        name, value = words.pop(0).split("=", 1)
        assignments[name] = value
    if words and words[-1] == "&":
        words.pop()
    if words[:1] == ["rekognition-mock"] and "serve" in words[1:]:
        return assignments, words
    return None


# -- a page's run ----------------------------------------------------------------------------------


def run_in_own_group(argv: list[str], cwd: Path, env: dict[str, str], merge: bool = True,
                     timeout: float = COMMAND_TIMEOUT) -> Any:
    """Run ``argv`` in a process group of its own, all of which is killed if it outlasts
    ``timeout``: (output, status) with stderr merged into stdout, else (stdout, stderr, status).
    Bytes are read, not text: text mode would turn a lone carriage return into a line break."""
    proc = subprocess.Popen(argv, cwd=cwd, env={**env, "DOCS_RUN_NESTED": "1"}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge else subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        out += f"\n[docs-run: killed after {timeout:g} s]\n".encode()
    decode = lambda data: (data or b"").decode("utf-8", "replace")  # noqa: E731
    if merge:
        return decode(out), proc.returncode
    return decode(out), decode(err), proc.returncode


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(work: Path, cache_dir: str | None) -> dict[str, str]:
    """A reader's shell: fake credentials, us-east-1, the venv's tools first on PATH, no
    AWS configuration files, no pager, no warnings from node about its version; the face
    engine's analyses shared with this run."""
    from helpers import child_env

    env = child_env()
    for name in ("PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS",
                 "COV_CORE_SOURCE", "NODE_PATH"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["AWS_CONFIG_FILE"] = str(work / ".aws-config-none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(work / ".aws-credentials-none")
    env["AWS_PAGER"] = ""
    env["COLUMNS"] = "80"
    env["HOME"] = str(work)
    env["NODE_NO_WARNINGS"] = "1"  # node's warnings about its own version depend on the machine, not the example
    if cache_dir:
        env["REKOGNITION_MOCK_CACHE_DIR"] = cache_dir
    return env


def checkout_view(work: Path) -> Path:
    """``work`` made to look like the repository root."""
    work.mkdir(parents=True, exist_ok=True)
    for name in CHECKOUT_ENTRIES:
        if (REPO / name).exists() and not (work / name).exists():
            (work / name).symlink_to(REPO / name)
    node_modules = node_modules_dir()
    if node_modules is not None and not (work / "node_modules").exists():
        (work / "node_modules").symlink_to(node_modules)
    return work


def node_modules_dir() -> Path | None:
    """Where ``@aws-sdk/client-rekognition`` is installed for the JavaScript examples:
    ``$DOCS_RUN_NODE_MODULES`` or the checkout's own ``node_modules``."""
    for candidate in (os.environ.get("DOCS_RUN_NODE_MODULES"), REPO / "node_modules"):
        if candidate and (Path(candidate) / "@aws-sdk" / "client-rekognition" / "package.json").is_file():
            return Path(candidate)
    return None


class Server:
    """A ``rekognition-mock serve`` the page started, with everything it prints."""

    def __init__(self, block: Block, command: Command, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.block, self.command = block, command
        self.proc = subprocess.Popen(argv, cwd=cwd, env={**env, "DOCS_RUN_NESTED": "1"}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: list[str] = []
        self.arrived = time.monotonic()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        with self._changed:
            while not any("listening on" in line for line in self.lines) and self._reader.is_alive():
                if time.monotonic() > deadline:
                    break
                self._changed.wait(0.2)

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.extend(terminal_lines(line.decode("utf-8", "replace").rstrip("\n")))
                self.arrived = time.monotonic()
                self._changed.notify_all()

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def settled(self, quiet: float = 0.3) -> list[str]:
        """What it printed so far, once nothing new arrived for ``quiet`` seconds and its
        pipe holds nothing unread (on a loaded machine the reader thread can lag behind a
        line the server wrote before its answer went out)."""
        assert self.proc.stdout is not None
        while True:
            unread = bool(select.select([self.proc.stdout.fileno()], [], [], 0)[0])
            with self._changed:
                waited = time.monotonic() - self.arrived
                if not self._reader.is_alive() or (waited >= quiet and not unread):
                    return list(self.lines)
            time.sleep(0.05 if unread else quiet - waited)

    def stop(self, signum: int = signal.SIGINT) -> tuple[list[str], list[str]]:
        """Stop it (SIGINT is the reader's Ctrl-C); what it printed before, and after."""
        before = self.settled()
        if self.running:
            self.proc.send_signal(signum)
        self.finish()
        return before, self.lines[len(before):]

    def finish(self) -> None:
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=60)
        self._reader.join(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass
class PageRun:
    """Runs the blocks of one page in order; ``failures`` maps a block's id to what went wrong."""

    page: str
    work: Path
    cache_dir: str | None
    pytest_files: set[str] = field(default_factory=set)  # names of test files the page's commands run
    failures: dict[str, list[str]] = field(default_factory=dict)
    ran: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        checkout_view(self.work)
        self.env = base_env(self.work, self.cache_dir)
        self.port = free_port()
        self.server: Server | None = None
        self.status = 0
        self.previous: Block | None = None

    # substitution of the page's port for the documented 5000
    def to_run(self, text: str) -> str:
        for host in ("127.0.0.1", "localhost"):
            text = text.replace(f"{host}:{DOC_PORT}", f"{host}:{self.port}")
        if self.server is not None:
            text = text.replace("<server pid>", str(self.server.proc.pid))
        return text

    def as_shown(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            for host in ("127.0.0.1", "localhost"):
                line = line.replace(f"{host}:{self.port}", f"{host}:{DOC_PORT}")
            out.append(line)
        return out

    def fail(self, block: Block, message: str) -> None:
        self.failures.setdefault(block.id, []).append(message)

    def run(self, blocks: list[Block]) -> None:
        try:
            for index, block in enumerate(blocks):
                following = blocks[index + 1] if index + 1 < len(blocks) else None
                self.ran.add(block.id)
                try:
                    self.run_block(block, following)
                except Exception as exc:  # a harness error is the block's failure, not the page's end
                    self.fail(block, f"{type(exc).__name__}: {exc}")
                self.previous = block
        finally:
            self.stop_server(signal.SIGINT)

    def run_block(self, block: Block, following: Block | None) -> None:
        if block.skip_reason is not None or block.checked_by is not None:
            return
        lang = block.lang
        if lang == "console" or (lang in ("bash", "sh", "shell") and block.has_prompts):
            self.run_console(block)
        elif lang in ("bash", "sh", "shell"):
            self.run_shell_script(block)
        elif lang == "python":
            if block.file_name:
                self.write_file(block)
            elif not block.defines_tests:  # test modules run under pytest: test_docs_run.pytest_blocks
                shown = following if following is not None and following.lang in OUTPUT_KINDS else None
                self.run_python_script(block, shown)
        elif lang in ("javascript", "js"):
            if not block.file_name:
                self.fail(block, "a JavaScript block must be a file (first line // NAME.mjs) that a console block runs")
            else:
                self.write_file(block)
        elif lang in OUTPUT_KINDS:
            if not (self.previous is not None and self.previous.lang == "python" and not self.previous.file_name
                    and not self.previous.defines_tests):
                self.fail(block, "an output block must follow the Python script it is the output of "
                                 "(or carry <!-- docs-run: checked by ... -->)")
        elif lang in CONFIG_KINDS:
            check_config(block)
        else:
            self.fail(block, f"no way to run a {lang!r} block: give it a runner in tests/docsrun.py")

    # -- files and scripts

    def write_file(self, block: Block) -> None:
        assert block.file_name is not None
        (self.work / block.file_name).write_text(self.to_run(block.text))

    def run_python_script(self, block: Block, output_block: Block | None) -> None:
        path = self.work / f"_docs_block_{block.line}.py"
        path.write_text(self.to_run(block.text))
        env = {**self.env, **block.env}
        stdout, stderr, status = run_in_own_group([sys.executable, path.name], self.work, env, merge=False)
        if status != 0:
            self.fail(block, f"exited {status}\n{stdout}{stderr}")
            return
        printed = self.as_shown(terminal_lines(stdout))
        if output_block is not None:
            shown = output_block.text.splitlines()
        else:
            shown = expected_comments(block.text)
        if shown is not None and not output_matches(shown, printed):
            self.fail(block, mismatch("the script", shown, printed))

    def run_shell_script(self, block: Block) -> None:
        output, status = self.shell(block.text, block.env)
        if status != 0:
            self.fail(block, f"the script exited {status}\n{output}")
            return
        check = "from rekognition_mock.settings import settings; settings.check()"
        _, stderr, status = run_in_own_group([sys.executable, "-c", check], self.work, self.env, merge=False)
        if status != 0:
            self.fail(block, f"the variables it exports do not pass the settings' check:\n{stderr}")

    # -- console blocks

    def run_console(self, block: Block) -> None:
        for command in console_commands(block.text):
            serve = serve_argv(self.to_run(command.text))
            if serve is not None:
                self.start_server(block, command, *serve)
                continue
            if "<server pid>" in command.text:
                if self.server is None or not self.server.running:
                    self.fail(block, f"{command.text!r}: no server running")
                    continue
                killed = self.server
                output, self.status = self.shell(self.to_run(command.text), block.env)
                killed.finish()
                self.compare_server(killed, killed.lines, [])
                self.server = None
            else:
                self.check_tools(block, command)
                output, self.status = self.shell(self.to_run(command.text), block.env)
            printed = self.as_shown(terminal_lines(output))
            if self.status != 0 and not trim(command.shown):
                self.fail(block, f"$ {command.text}: exited {self.status} where the page shows no output\n{output}")
            elif not output_matches(command.shown, printed):
                self.fail(block, mismatch(f"$ {command.text}", command.shown, printed))

    def check_tools(self, block: Block, command: Command) -> None:
        for tool in ("jq", "curl", "node", "aws", "base64"):
            called = re.search(rf"(?:^|[|;&(`]|\$\()\s*(?:\w+=\S*\s+)*{tool}\b", command.text, re.MULTILINE)
            if not called or shutil.which(tool, path=self.env["PATH"]) is not None:
                continue
            if tool == "node" and js_fallback_fits(self, command):
                continue
            raise RuntimeError(f"{block.id} needs {tool!r}, which is not on PATH: install it "
                               f"(Debian: apt-get install {tool}; aws comes with the test extra)")

    def shell(self, command: str, extra_env: dict[str, str]) -> tuple[str, int]:
        """Run ``command`` in the page's shell; its output (stdout and stderr) and status.
        The variables it exports carry over to the page's later commands."""
        node = re.fullmatch(r"node\s+([\w.-]+\.mjs)", command.strip())
        if node and not node_ready(self.env):
            return js_fallback(self, node.group(1))
        env_file = self.work / ".docs-run-env"
        script = (f"cd {shlex.quote(str(self.work))} || exit 99\n(exit {self.status})\n{command}\n"
                  f"__docs_run_status=$?\nenv -0 > {shlex.quote(str(env_file))}\nexit $__docs_run_status\n")
        output, status = run_in_own_group(["bash", "-c", script], self.work, {**self.env, **extra_env})
        if env_file.exists():
            exported = dict(item.split("=", 1) for item in env_file.read_text().split("\0") if "=" in item)
            env_file.unlink()
            for name, value in extra_env.items():
                if exported.get(name) == value and self.env.get(name) != value:
                    exported.pop(name)  # a marker's variables are the block's, not the page's
            for name in ("SHLVL", "_", "OLDPWD", "PWD"):
                exported.pop(name, None)
            self.env = exported
        return output, status

    # -- servers

    def start_server(self, block: Block, command: Command, assignments: dict[str, str], argv: list[str]) -> None:
        self.stop_server(signal.SIGINT)
        if "--port" not in argv and not any(word.startswith("--port=") for word in argv):
            argv = [*argv, "--port", str(self.port)]
        env = {**self.env, **block.env, **assignments}
        self.server = Server(block, command, argv, env, self.work)
        if not self.server.running:
            self.server.finish()
            self.compare_server(self.server, self.server.lines, [])
            self.server = None

    def stop_server(self, signum: int) -> None:
        if self.server is None:
            return
        server, self.server = self.server, None
        before, after = server.stop(signum)
        self.compare_server(server, before, after)

    def compare_server(self, server: Server, before: list[str], after: list[str]) -> None:
        shown = server.command.shown
        if "^C" in [line.strip() for line in shown]:
            cut = [line.strip() for line in shown].index("^C")
            if not any(ACCESS_LINE.match(line) for line in shown[cut + 1:]):
                # a request still in flight at Ctrl-C (a client that retried after a slow first
                # answer on a loaded machine) is finished and logged while the server stops
                after = [line for line in after if not ACCESS_LINE.match(line)]
            pairs = [(shown[:cut], before), (shown[cut + 1:], after)]
        else:
            pairs = [(shown, before)]
        for expected, printed in pairs:
            printed = self.as_shown(printed)
            if not output_matches(expected, printed):
                self.fail(server.block, mismatch(f"$ {server.command.text} (the server)", expected, printed))
                return


ACCESS_LINE = re.compile(r'^\S+ "[A-Z]+ [^"]*" \d{3}$')  # the server's line per request


def check_config(block: Block) -> None:
    if block.lang == "ini":
        configparser.ConfigParser().read_string(block.text)
    elif block.lang == "toml":
        tomllib.loads(block.text)
    elif block.lang == "json":
        json.loads(block.text)


# -- JavaScript without node's SDK ------------------------------------------------------------------


def node_ready(env: dict[str, str]) -> bool:
    return shutil.which("node", path=env["PATH"]) is not None and node_modules_dir() is not None


JS_SHAPE = re.compile(
    r'readFile\("(?P<path>[^"]+)"\).*'
    r"new DetectFacesCommand\(\{ Image: \{ Bytes: bytes \} \}\)\).*"
    r"console\.log\(FaceDetails\.length, FaceDetails\[0\]\.(?P<member>\w+)\)",
    re.DOTALL,
)


def js_fallback_fits(run: PageRun, command: Command) -> bool:
    match = re.fullmatch(r"node\s+([\w.-]+\.mjs)", command.text.strip())
    return bool(match) and (run.work / match.group(1)).is_file() and \
        JS_SHAPE.search((run.work / match.group(1)).read_text()) is not None


def js_number(value: float) -> str:
    """A number as JavaScript's console.log prints it."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def js_fallback(run: PageRun, name: str) -> tuple[str, int]:
    """What ``node NAME`` prints, for the one program shape of JS_SHAPE, from the same
    DetectFaces call made with boto3 against the page's server (no node SDK here)."""
    import boto3

    source = (run.work / name).read_text()
    match = JS_SHAPE.search(source)
    endpoint = re.search(r'endpoint: "([^"]+)"', source)
    if match is None or endpoint is None:
        return (f"cannot check {name} without node and @aws-sdk/client-rekognition: it is not the one program "
                "shape tests/docsrun.py can stand in for\n", 1)
    client = boto3.client("rekognition", endpoint_url=endpoint.group(1), region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    faces = client.detect_faces(Image={"Bytes": (run.work / match.group("path")).read_bytes()})["FaceDetails"]
    return f"{len(faces)} {js_number(faces[0][match.group('member')])}\n", 0


# -- Python test blocks -------------------------------------------------------------------------------


def run_by_commands(blocks: list[Block]) -> set[str]:
    """The words of the commands of ``blocks``' console blocks (the files they run among them)."""
    return {word for block in blocks if block.has_prompts and block.lang in ("console", "bash", "sh", "shell")
            for command in console_commands(block.text) for word in command.text.split()}


def pytest_block_files(pages: list[str]) -> Iterator[tuple[Block, str]]:
    """Each block that is a test module pytest must pass, with its path in the run's directory."""
    for page in pages:
        blocks = read_blocks(page)
        commands = run_by_commands(blocks)
        slug = re.sub(r"\W", "_", page.removesuffix(".md")).lower()
        for block in blocks:
            if block.lang != "python" or block.skip_reason is not None or block.checked_by is not None:
                continue
            if block.file_name:
                if block.file_name in commands:
                    continue
                if block.defines_tests or block.file_name == "conftest.py":
                    yield block, f"{slug}/{block.file_name}"
            elif block.defines_tests:
                yield block, f"test_{slug}_{block.line}.py"


def run_pytest_blocks(work: Path, cache_dir: str | None, pages: list[str]) -> dict[str, dict[str, object]]:
    """Run every test-module block in one pytest process; per block id, its outcome counts."""
    checkout_view(work)
    files = list(pytest_block_files(pages))
    for block, path in files:
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(block.text)
    (work / "pytest.ini").write_text("[pytest]\n")
    report = work / "report.xml"
    env = base_env(work, cache_dir)
    test_paths = sorted({path for block, path in files if Path(path).name != "conftest.py"})
    output, _ = run_in_own_group([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                  f"--junitxml={report}", *test_paths], work, env, timeout=600)
    outcomes: dict[str, dict[str, object]] = {}
    by_module = {}
    if report.exists():
        for case in ET.parse(report).iter("testcase"):
            module = case.get("classname", "").split(".")
            by_module.setdefault(tuple(module), []).append(case)
    for block, path in files:
        if Path(path).name == "conftest.py":
            continue
        parts = tuple(Path(path).with_suffix("").parts)
        cases = [case for module, cases in by_module.items() if module[:len(parts)] == parts for case in cases]
        failed = [case.get("name") for case in cases if case.find("failure") is not None or case.find("error") is not None]
        skipped = [case.get("name") for case in cases if case.find("skipped") is not None]
        outcomes[block.id] = {
            "passed": len(cases) - len(failed) - len(skipped), "failed": failed, "skipped": skipped,
            "expected": block.test_count, "output": output,
        }
    return outcomes
