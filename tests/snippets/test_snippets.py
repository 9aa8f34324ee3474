"""The backend hash snippets (snippets/*) are executed in their own runtimes against the vectors.

Protocol, the same for every language: `<runtime> <snippet> SECRET IDENTIFIER` prints the
identity hash and a newline. Each runtime found on PATH runs every vector in
snippets/test_vectors.json; a missing runtime is a skip that names it (install them with
.ci/snippet-runtimes.sh). Compiled languages (Go, Java, C#) are built once per session.

Arguments reach the programs as raw bytes; the runs use a UTF-8 locale (LC_ALL=C.UTF-8)
because the JVM decodes argv with the locale's charset, which would turn "ë" into "?" under C.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from widget_server.identity import compute_identity_hash, verify_identity_hash

REPO = Path(__file__).resolve().parents[2]
SNIPPETS = REPO / "snippets"
DOC = REPO / "widget_server" / "data" / "backend-snippets.md"


def _load_generator() -> ModuleType:
    # Loaded by path: tests/snippets is not a package, and the name must not clash.
    path = Path(__file__).with_name("make_vectors.py")
    spec = importlib.util.spec_from_file_location("_widget_server_snippet_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATOR = _load_generator()
VECTORS: list[dict[str, Any]] = json.loads(
    (SNIPPETS / "test_vectors.json").read_text(encoding="utf-8")
)
VECTOR_BY_NAME = {v["name"]: v for v in VECTORS}

RUN_ENV = {
    **os.environ,
    "LC_ALL": "C.UTF-8",
    "LANG": "C.UTF-8",
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "GOTOOLCHAIN": "local",  # never download a Go toolchain
    "GOPROXY": "off",  # the snippet uses the standard library only
}


# --------------------------------------------------------------------------- runtimes


def _check(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env or RUN_ENV, capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        pytest.fail(f"build failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


def _build_python(tmp: Path) -> list[str]:
    return [sys.executable, str(SNIPPETS / "python.py")]


def _build_node(tmp: Path) -> list[str]:
    return ["node", str(SNIPPETS / "node.js")]


def _build_ruby(tmp: Path) -> list[str]:
    return ["ruby", str(SNIPPETS / "ruby.rb")]


def _build_php(tmp: Path) -> list[str]:
    return ["php", str(SNIPPETS / "php.php")]


def _build_openssl(tmp: Path) -> list[str]:
    return ["bash", str(SNIPPETS / "openssl.sh")]


def _build_go(tmp: Path) -> list[str]:
    # `go run` compiles on every call; build one binary instead, outside any module.
    shutil.copy(SNIPPETS / "go" / "main.go", tmp / "main.go")
    env = dict(RUN_ENV)
    if not env.get("GOCACHE") and not env.get("HOME") and not env.get("XDG_CACHE_HOME"):
        env["GOCACHE"] = str(tmp / "gocache")
    _check(["go", "build", "-o", str(tmp / "identityhash"), "main.go"], tmp, env)
    return [str(tmp / "identityhash")]


def _build_java(tmp: Path) -> list[str]:
    source = SNIPPETS / "Java" / "IdentityHash.java"
    _check(["javac", "-encoding", "UTF-8", "-d", str(tmp), str(source)], tmp)
    return ["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", str(tmp), "IdentityHash"]


def _build_csharp(tmp: Path) -> list[str]:
    source = SNIPPETS / "csharp" / "IdentityHash.cs"
    if shutil.which("dotnet"):
        sdks = subprocess.run(
            ["dotnet", "--list-sdks"], capture_output=True, text=True, env=RUN_ENV, check=True
        ).stdout.split()
        versions = [s for s in sdks if re.fullmatch(r"\d+\.\d+\.\d+\S*", s)]
        if not versions:
            pytest.skip("dotnet is on PATH but `dotnet --list-sdks` lists no SDK")
        major = max(int(v.split(".")[0]) for v in versions)
        (tmp / "IdentityHash.csproj").write_text(
            '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n'
            "    <OutputType>Exe</OutputType>\n"
            f"    <TargetFramework>net{major}.0</TargetFramework>\n"
            "    <AssemblyName>IdentityHash</AssemblyName>\n"
            "    <ImplicitUsings>disable</ImplicitUsings>\n    <Nullable>disable</Nullable>\n"
            "  </PropertyGroup>\n</Project>\n",
            encoding="utf-8",
        )
        shutil.copy(source, tmp / "IdentityHash.cs")
        _check(["dotnet", "build", "-c", "Release", "-o", str(tmp / "out"), "--nologo"], tmp)
        return ["dotnet", str(tmp / "out" / "IdentityHash.dll")]
    # No dotnet (Debian has no package for it): Mono compiles the same file.
    _check(["mcs", "-nologo", f"-out:{tmp / 'IdentityHash.exe'}", str(source)], tmp)
    return ["mono", str(tmp / "IdentityHash.exe")]


@dataclass(frozen=True)
class Runtime:
    name: str
    snippet: str  # path under snippets/
    fence: str  # the code fence language in the backend snippets guide
    requires: tuple[tuple[str, ...], ...]  # alternatives, each a set of commands on PATH
    build: Callable[[Path], list[str]]

    def missing(self) -> str | None:
        for commands in self.requires:
            if all(shutil.which(c) for c in commands):
                return None
        wanted = " or ".join("+".join(c) for c in self.requires)
        return (
            f"{self.name}: runtime not found on PATH (needs {wanted}); "
            "install it with .ci/snippet-runtimes.sh"
        )


RUNTIMES = [
    Runtime("python", "python.py", "python", ((),), _build_python),
    Runtime("node", "node.js", "js", (("node",),), _build_node),
    Runtime("ruby", "ruby.rb", "ruby", (("ruby",),), _build_ruby),
    Runtime("php", "php.php", "php", (("php",),), _build_php),
    Runtime("go", "go/main.go", "go", (("go",),), _build_go),
    Runtime("java", "Java/IdentityHash.java", "java", (("javac", "java"),), _build_java),
    Runtime(
        "csharp", "csharp/IdentityHash.cs", "csharp", (("dotnet",), ("mcs", "mono")), _build_csharp
    ),
    Runtime("openssl", "openssl.sh", "bash", (("bash", "openssl", "awk"),), _build_openssl),
]


@pytest.fixture(scope="session", params=RUNTIMES, ids=lambda r: r.name)
def runner(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command prefix that runs one language's snippet; built once per session."""
    runtime: Runtime = request.param
    reason = runtime.missing()
    if reason:
        pytest.skip(reason)
    return runtime.build(tmp_path_factory.mktemp(f"snippet-{runtime.name}"))


def _run(prefix: list[str], secret: str, identifier: str) -> str:
    proc = subprocess.run(
        [*prefix, secret, identifier], env=RUN_ENV, capture_output=True, timeout=60
    )
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, f"{prefix} exited {proc.returncode}\n{stderr}"
    lines = stdout.splitlines()
    assert len(lines) == 1, f"expected exactly one line of output, got {stdout!r}\n{stderr}"
    return lines[0]


# --------------------------------------------------------------------------- snippets


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_snippet_output_matches_vector(runner: list[str], vector: dict[str, Any]) -> None:
    got = _run(runner, vector["secret"], vector["identifier"])
    assert got == vector["hash"], (
        f"{vector['name']} ({vector['note']}): identifier {vector['identifier']!r}\n"
        f"expected {vector['hash']}\n     got {got}"
    )
    assert verify_identity_hash(vector["secret"], vector["identifier"], got)


def test_every_snippet_file_is_executed() -> None:
    """A snippet added to snippets/ without a runtime entry here would never be tested."""
    not_code = {"test_vectors.json", "package.json", "README.md"}
    files = {
        p.relative_to(SNIPPETS).as_posix()
        for p in SNIPPETS.rglob("*")
        if p.is_file() and p.name not in not_code
    }
    assert files == {r.snippet for r in RUNTIMES}


# --------------------------------------------------------------------------- vectors


def test_vectors_file_is_generated_from_inputs() -> None:
    """snippets/test_vectors.json is exactly what tests/snippets/make_vectors.py writes."""
    on_disk = (SNIPPETS / "test_vectors.json").read_text(encoding="utf-8")
    assert on_disk == GENERATOR.render(), "run: .venv/bin/python tests/snippets/make_vectors.py"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_vector_agrees_with_server(vector: dict[str, Any]) -> None:
    secret, identifier, expected = vector["secret"], vector["identifier"], vector["hash"]
    assert set(vector) == {"name", "secret", "identifier", "hash", "note"}
    key, msg = secret.encode("utf-8"), identifier.encode("utf-8")
    assert hmac.new(key, msg, hashlib.sha256).hexdigest() == expected
    assert compute_identity_hash(secret, identifier) == expected
    assert verify_identity_hash(secret, identifier, expected)
    assert not verify_identity_hash(secret, identifier, expected.upper())


def test_vectors_cover_the_required_cases() -> None:
    names = [v["name"] for v in VECTORS]
    assert len(names) == len(set(names)), "vector names must be unique"
    v = VECTOR_BY_NAME
    mixed = v["mixed_case_email"]["identifier"]
    assert mixed != mixed.lower() and v["lowercased_email"]["identifier"] == mixed.lower()
    assert "+" in v["plus_addressing"]["identifier"]
    assert not v["non_ascii_email"]["identifier"].isascii()
    assert not v["non_ascii_secret"]["secret"].isascii()
    assert (
        unicodedata.normalize("NFC", v["non_ascii_email_nfd"]["identifier"])
        == (v["non_ascii_email"]["identifier"])
    )
    assert " " in v["inner_spaces"]["identifier"].strip()
    spaced = v["surrounding_spaces"]["identifier"]
    assert spaced != spaced.strip()
    assert v["customer_id"]["identifier"].startswith("cus_")
    assert len(v["long_secret"]["secret"].encode("utf-8")) > 64  # > SHA-256 block size
    assert len(v["secret_64_bytes"]["secret"].encode("utf-8")) == 64


def _reference(secret: str, identifier: str) -> str:
    return hmac.new(secret.encode(), identifier.encode(), hashlib.sha256).hexdigest()


# Common ways to get the hash wrong, and the vector that must expose each one.
MISTAKES: dict[str, tuple[str, Callable[[str, str], str]]] = {
    "lowercases the identifier": (
        "mixed_case_email",
        lambda s, i: _reference(s, i.lower()),
    ),
    "trims the identifier": ("surrounding_spaces", lambda s, i: _reference(s, i.strip())),
    "normalises Unicode (NFC)": (
        "non_ascii_email_nfd",
        lambda s, i: _reference(s, unicodedata.normalize("NFC", i)),
    ),
    "encodes the identifier as Latin-1 / replaces non-ASCII": (
        "non_ascii_email",
        lambda s, i: _reference(s, i.encode("latin-1", "replace").decode("latin-1")),
    ),
    "encodes the secret as Latin-1 / replaces non-ASCII": (
        "non_ascii_secret",
        lambda s, i: _reference(s.encode("latin-1", "replace").decode("latin-1"), i),
    ),
    "appends a newline (echo instead of printf)": (
        "ascii_email",
        lambda s, i: _reference(s, i + "\n"),
    ),
    "interprets backslash escapes (echo -e, printf without %s)": (
        "shell_metacharacters",
        lambda s, i: _reference(s, i.replace("\\n", "\n")),
    ),
    "prints uppercase hex": ("ascii_email", lambda s, i: _reference(s, i).upper()),
    "swaps key and message (hash_hmac argument order)": (
        "ascii_email",
        lambda s, i: _reference(i, s),
    ),
    "truncates a long secret to the block size": (
        "long_secret",
        lambda s, i: _reference(s[:64], i),
    ),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_vectors_catch_mistake(mistake: str) -> None:
    """Each mistake gives a different hash on its vector, so a snippet making it fails."""
    name, wrong = MISTAKES[mistake]
    vector = VECTOR_BY_NAME[name]
    assert wrong(vector["secret"], vector["identifier"]) != vector["hash"]


# --------------------------------------------------------------------------- docs

_BLOCK = re.compile(r"<!-- snippet: (?P<path>\S+) -->\n```(?P<fence>\w+)\n(?P<code>.*?)```\n", re.S)


def test_docs_embed_each_snippet_verbatim() -> None:
    """The backend snippets guide shows every snippet file whole, byte for byte."""
    doc = DOC.read_text(encoding="utf-8")
    blocks = {m["path"]: m for m in _BLOCK.finditer(doc)}
    expected = {f"snippets/{r.snippet}": r for r in RUNTIMES}
    assert sorted(blocks) == sorted(expected), "each snippet needs one <!-- snippet: … --> block"
    for path, runtime in expected.items():
        block = blocks[path]
        assert block["fence"] == runtime.fence, path
        source = (REPO / path).read_text(encoding="utf-8")
        assert block["code"] == source, f"{DOC.name}: the block for {path} differs from the file"
