"""Lambda artifacts from the uv workspace: layer zips and one code zip per service.

No Pulumi import. Two modes:

* ``full``: each layer is its workspace package plus its locked third-party requirements
  (``uv export`` then ``uv pip install --python-platform <arch>-manylinux_2_28 --python-version 3.12
  --target``); the gmail/parsers layers leave out what the common layer already ships; pruned
  (Gmail-only discovery cache, botocore data of the services used); cp312 bytecode when a
  Python 3.12 interpreter is found.
* ``sources``: zips of the workspace sources only (tests and offline plans; no download).

Zips are deterministic (sorted entries, fixed timestamps and permissions) and cached under the build
directory by a *content key*: a hash of uv.lock (which pins every third-party wheel), the package
sources, the target (platform, Python 3.12, bytecode or not) and the build format. Nothing of the
build machine enters it: the wheels are chosen for the Lambda platform whatever Python runs uv, and
bytecode is either required (compiled by a CPython 3.12, hash-based .pyc) or explicitly off, never
"whatever this machine has". A cache hit runs no uv at all.

``paypulse build`` (``make build``) builds everything and writes ``manifest-<arch>.json``; the
Pulumi program only reads that manifest (``load_manifest``), checks every content key against the
current sources and lock, and never builds: ``pulumi preview`` needs neither uv nor PyPI.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from infra.workspace import LAYER_PACKAGES, Function, Workspace

BUILD_FORMAT = "3"  # bump when the build steps change, to invalidate cached artifacts
PYTHON_VERSION = "3.12"
LAMBDA_UNZIPPED_LIMIT = 262_144_000  # code + all layers, bytes (250 MiB)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
BOTOCORE_SERVICES = frozenset(
    {"dynamodb", "dynamodbstreams", "s3", "secretsmanager", "sns", "sqs", "sts", "sso", "sso-oidc"}
)
GMAIL_DISCOVERY = "gmail.v1.json"
_EXCLUDED_DIRS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache"}
_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


class BuildError(RuntimeError):
    """An artifact could not be built."""


class ArtifactTooLargeError(BuildError):
    """A function's code plus layers exceed a Lambda size limit."""


class ArtifactsNotBuiltError(BuildError):
    """No manifest, or the manifest does not match the current sources and lock."""


@dataclass(frozen=True)
class BuildOptions:
    mode: str = "full"  # "full" | "sources"
    architecture: str = "arm64"  # "arm64" | "x86_64"
    build_dir: Path | None = None
    bytecode: bool = True  # full mode: ship cp312 .pyc (needs a CPython 3.12 to compile)
    python312: str | None = field(default=None, compare=False)  # interpreter used for bytecode

    @property
    def compiles(self) -> bool:
        return self.mode == "full" and self.bytecode

    @property
    def platform(self) -> str:
        machine = "aarch64" if self.architecture == "arm64" else "x86_64"
        return f"{machine}-manylinux_2_28"


@dataclass(frozen=True)
class Artifact:
    kind: str  # "layer" | "service"
    name: str
    path: Path
    sha256: str  # hex digest of the zip bytes
    zip_size: int
    unzipped_size: int
    top_level: tuple[str, ...]  # first path components under the zip root (python/ for layers)
    compiled: bool  # ships cp312 .pyc
    key: str = ""  # content key of the inputs (see the module docstring)

    @property
    def base64_sha256(self) -> str:
        """Lambda's ``source_code_hash`` format."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode()


@dataclass(frozen=True)
class Artifacts:
    layers: dict[str, Artifact]
    services: dict[str, Artifact]
    notes: tuple[str, ...] = ()
    mode: str = "full"

    def for_function(self, fn: Function) -> tuple[Artifact, list[Artifact]]:
        return self.services[fn.service], [self.layers[name] for name in fn.layers]


# --------------------------------------------------------------------------- entry points


def build_all(ws: Workspace, options: BuildOptions) -> Artifacts:
    """Every layer used by a function and every service's code zip, then the size checks."""
    notes: list[str] = []
    used_layers = sorted({layer for fn in ws.functions.values() for layer in fn.layers})
    layers = {name: build_layer(name, ws, options) for name in used_layers}
    services = sorted({fn.service for fn in ws.functions.values()})
    code = {name: build_service(name, ws, options) for name in services}
    artifacts = Artifacts(layers, code, tuple(notes))
    notes += _check_all(ws, artifacts)
    return Artifacts(layers, code, tuple(notes), options.mode)


def _check_all(ws: Workspace, artifacts: Artifacts) -> list[str]:
    notes = []
    for fn in ws.functions.values():
        check_function(fn, artifacts)
        shared = shared_entries(fn, artifacts)
        if shared:
            notes.append(
                f"function {fn.name}: {len(shared)} identical entries shipped by more than one "
                f"layer ({', '.join(sorted({n for names in shared.values() for n in names}))})"
            )
    return notes


def layer_key(layer: str, ws: Workspace, options: BuildOptions) -> str:
    """Content key of a layer: lock + sources + target; computed without uv."""
    lock = (
        hashlib.sha256((ws.root / "uv.lock").read_bytes()).hexdigest()
        if options.mode == "full"
        else ""
    )
    return _hash(
        [BUILD_FORMAT, "layer", layer, options.mode, options.architecture, PYTHON_VERSION],
        [lock, options.compiles],
        _tree_digest(package_source(ws, layer)),
    )


def service_key(service: str, ws: Workspace, options: BuildOptions) -> str:
    return _hash(
        [BUILD_FORMAT, "service", service, options.mode, PYTHON_VERSION],
        [options.compiles],
        _tree_digest(service_source(ws, service)),
    )


def service_source(ws: Workspace, service: str) -> Path:
    src = ws.root / "services" / service / "src" / f"paypulse_{service}"
    if not src.is_dir():
        raise BuildError(f"services/{service}: no package at {src}")
    return src


# --------------------------------------------------------------------------- manifest


def manifest_path(options: BuildOptions) -> Path:
    return build_dir(options) / f"manifest-{options.architecture}.json"


def write_manifest(artifacts: Artifacts, options: BuildOptions) -> Path:
    """What ``paypulse build`` produced, for the Pulumi program to read."""
    entries = {}
    for kind, group in (("layer", artifacts.layers), ("service", artifacts.services)):
        for name, a in sorted(group.items()):
            meta = asdict(a)
            meta["path"] = a.path.name
            entries[f"{kind}/{name}"] = meta
    doc = {
        "format": BUILD_FORMAT,
        "mode": options.mode,
        "architecture": options.architecture,
        "bytecode": options.compiles,
        "artifacts": entries,
    }
    path = manifest_path(options)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


def load_manifest(ws: Workspace, architecture: str, directory: Path | None = None) -> Artifacts:
    """The artifacts ``paypulse build`` wrote, after checking that each one still matches the
    current sources and lock (content keys) and that its zip is intact (sha256). Runs no uv."""
    probe = BuildOptions(architecture=architecture, build_dir=directory)
    path = manifest_path(probe)
    hint = f"run `paypulse build --arch {architecture}` (or `make build`) first"
    if not path.is_file():
        raise ArtifactsNotBuiltError(f"no {path}: {hint}")
    doc = json.loads(path.read_text())
    if doc.get("format") != BUILD_FORMAT or doc.get("architecture") != architecture:
        raise ArtifactsNotBuiltError(f"{path} was written by another build format: {hint}")
    options = BuildOptions(
        mode=doc["mode"], architecture=architecture, build_dir=directory,
        bytecode=doc["bytecode"],
    )  # fmt: skip
    wanted = {f"layer/{layer}" for fn in ws.functions.values() for layer in fn.layers}
    wanted |= {f"service/{fn.service}" for fn in ws.functions.values()}
    layers: dict[str, Artifact] = {}
    services: dict[str, Artifact] = {}
    stale = []
    for entry in sorted(wanted):
        kind, name = entry.split("/", 1)
        meta = doc["artifacts"].get(entry)
        key = (layer_key if kind == "layer" else service_key)(name, ws, options)
        if meta is None or meta.get("key") != key:
            stale.append(entry)
            continue
        zip_path = path.parent / meta["path"]
        if not zip_path.is_file() or _file_sha256(zip_path) != meta["sha256"]:
            stale.append(f"{entry} (zip missing or altered)")
            continue
        meta = dict(meta, path=zip_path, top_level=tuple(meta["top_level"]))
        (layers if kind == "layer" else services)[name] = Artifact(**meta)
    if stale:
        raise ArtifactsNotBuiltError(
            f"built artifacts do not match the sources and lock ({', '.join(stale)}): {hint}"
        )
    artifacts = Artifacts(layers, services)
    notes = _check_all(ws, artifacts)
    if options.mode != "full":
        notes.append(f"{path} holds source-only artifacts: fine for a preview, not deployable")
    return Artifacts(layers, services, tuple(notes), options.mode)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_layer(layer: str, ws: Workspace, options: BuildOptions) -> Artifact:
    """The zip of one layer (``python/`` root, as Lambda mounts it at /opt/python)."""
    dist = LAYER_PACKAGES[layer]
    src = package_source(ws, layer)
    key = layer_key(layer, ws, options)

    def fill(root: Path) -> bool:
        requirements: list[str] = []
        if options.mode == "full":  # only on a cache miss: uv reads the lock
            common = LAYER_PACKAGES["common"]
            excluded = _requirement_names(ws, common) if layer != "common" else set()
            requirements = [r for r in export_requirements(ws, dist) if _name(r) not in excluded]
        return _fill_layer(root, src, requirements, _with_python(options))

    return _cached(options, "layer", layer, key, fill)


def build_service(service: str, ws: Workspace, options: BuildOptions) -> Artifact:
    """The code zip of one service: its import package at the zip root."""
    src = service_source(ws, service)
    key = service_key(service, ws, options)

    def fill(root: Path) -> bool:
        _copy_tree(src, root / src.name)
        return _compile(root, _with_python(options)) if options.compiles else False

    return _cached(options, "service", service, key, fill)


def check_function(fn: Function, artifacts: Artifacts) -> int:
    """Unzipped size of code + layers; raise ArtifactTooLargeError over Lambda's limits."""
    code, layers = artifacts.for_function(fn)
    total = code.unzipped_size + sum(layer.unzipped_size for layer in layers)
    if total > LAMBDA_UNZIPPED_LIMIT:
        parts = ", ".join(
            f"{a.kind} {a.name} {a.unzipped_size / 1e6:.1f} MB" for a in [code, *layers]
        )
        raise ArtifactTooLargeError(
            f"function {fn.name}: code + layers unzip to {total / 1e6:.1f} MB, over Lambda's "
            f"{LAMBDA_UNZIPPED_LIMIT / 1e6:.1f} MB limit ({parts})"
        )
    seen: dict[str, str] = {}
    for layer in layers:
        for entry in layer.top_level:
            if entry in seen and "common" in (seen[entry], layer.name):
                raise BuildError(
                    f"function {fn.name}: {entry} is shipped by both layer {seen[entry]} and "
                    f"layer {layer.name}"
                )
            seen.setdefault(entry, layer.name)
    return total


def shared_entries(fn: Function, artifacts: Artifacts) -> dict[str, tuple[str, ...]]:
    """Top-level entries that more than one of a function's layers ship. gmail and parsers may
    share dependencies (google-auth, requests, cryptography...): both are pinned by the same
    uv.lock, so the files are identical and the later layer overwrites the earlier one."""
    owners: dict[str, list[str]] = {}
    for layer in artifacts.for_function(fn)[1]:
        for entry in layer.top_level:
            owners.setdefault(entry, []).append(layer.name)
    return {entry: tuple(names) for entry, names in sorted(owners.items()) if len(names) > 1}


# --------------------------------------------------------------------------- steps


def package_source(ws: Workspace, layer: str) -> Path:
    dist = LAYER_PACKAGES[layer]
    src = ws.root / "packages" / layer / "src" / dist.replace("-", "_")
    if not src.is_dir():
        raise BuildError(f"layer {layer}: no package source at {src}")
    return src


def export_requirements(ws: Workspace, dist: str) -> list[str]:
    """Pinned third-party requirements of one workspace member, from uv.lock."""
    cmd = [
        _uv(),
        "export",
        "--package",
        dist,
        "--no-dev",
        "--frozen",
        "--no-emit-workspace",
        "--no-hashes",
        "--no-header",
        "--no-annotate",
    ]
    proc = subprocess.run(cmd, cwd=ws.root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"uv export {dist} failed: {proc.stderr.strip()}")
    lines = [ln.strip() for ln in proc.stdout.splitlines()]
    return sorted(ln for ln in lines if ln and not ln.startswith(("#", "-")))


def _requirement_names(ws: Workspace, dist: str) -> set[str]:
    return {_name(r) for r in export_requirements(ws, dist)}


def _name(requirement: str) -> str:
    m = _REQ_NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else requirement


def _fill_layer(root: Path, src: Path, requirements: list[str], options: BuildOptions) -> bool:
    target = root / "python"
    target.mkdir(parents=True)
    if requirements:
        reqs = root.parent / "requirements.txt"
        reqs.write_text("\n".join(requirements) + "\n")
        cmd = [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--python-platform",
            options.platform,
            "--python-version",
            PYTHON_VERSION,
            "--target",
            str(target),
            "-r",
            str(reqs),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BuildError(f"uv pip install for {src.name} failed: {proc.stderr.strip()}")
    _copy_tree(src, target / src.name)
    prune(target)
    return _compile(root, options) if options.compiles else False


def prune(target: Path) -> None:
    """Drop what Lambda never uses: scripts, unused discovery documents and botocore models."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    (target / ".lock").unlink(missing_ok=True)
    docs = target / "googleapiclient" / "discovery_cache" / "documents"
    if docs.is_dir():
        for doc in docs.iterdir():
            if doc.name != GMAIL_DISCOVERY:
                doc.unlink()
    for data in target.glob("*/data"):
        if data.parent.name != "botocore":
            continue
        for service in data.iterdir():
            if service.is_dir() and service.name not in BOTOCORE_SERVICES:
                shutil.rmtree(service)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)


def _compile(root: Path, options: BuildOptions) -> bool:
    """cp312 bytecode (hash-based, so deterministic and valid on read-only /opt and /var/task)."""
    if not options.python312:
        raise BuildError("bytecode needs a CPython 3.12 interpreter")
    prefix = "/opt" if (root / "python").is_dir() else "/var/task"
    cmd = [
        options.python312,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        "-s",
        str(root),
        "-p",
        prefix,
        str(root),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):  # 1: some files (py2 test data) did not compile
        raise BuildError(f"compileall failed: {proc.stderr.strip()}")
    return True


# --------------------------------------------------------------------------- cache + zip


def _cached(options: BuildOptions, kind: str, name: str, key: str, fill) -> Artifact:
    out_dir = build_dir(options)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-{name}-{options.mode}-{options.architecture}-{key[:16]}"
    zip_path, meta_path = out_dir / f"{stem}.zip", out_dir / f"{stem}.json"
    if zip_path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key:
            meta["path"] = zip_path
            meta["top_level"] = tuple(meta["top_level"])
            return Artifact(**meta)
    with tempfile.TemporaryDirectory(prefix=f"paypulse-{kind}-{name}-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        compiled = bool(fill(root))
        partial = zip_path.with_suffix(".partial")
        unzipped, top = write_zip(root, partial)
    digest = hashlib.sha256(partial.read_bytes()).hexdigest()
    os.replace(partial, zip_path)
    for stale in out_dir.glob(f"{kind}-{name}-{options.mode}-{options.architecture}-*"):
        if stale.stem != stem and stale.suffix in (".zip", ".json"):
            stale.unlink(missing_ok=True)  # keep one cached build per artifact
    artifact = Artifact(
        kind=kind,
        name=name,
        path=zip_path,
        sha256=digest,
        zip_size=zip_path.stat().st_size,
        unzipped_size=unzipped,
        top_level=top,
        compiled=compiled,
        key=key,
    )
    meta = asdict(artifact)
    meta["path"] = str(zip_path)
    meta_path.write_text(json.dumps(meta, indent=1, sort_keys=True))
    return artifact


def write_zip(root: Path, dest: Path) -> tuple[int, tuple[str, ...]]:
    """Deterministic zip of a tree; returns (unzipped bytes, top-level names below python/)."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    total = 0
    top: set[str] = set()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in files:
            rel = path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(rel, date_time=ZIP_EPOCH)
            info.external_attr = (0o100755 if os.access(path, os.X_OK) else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            total += len(data)
            zf.writestr(info, data)
            parts = rel.split("/")
            name = parts[1] if parts[0] == "python" and len(parts) > 1 else parts[0]
            if name != "__pycache__":
                top.add(name)
    return total, tuple(sorted(top))


def build_dir(options: BuildOptions) -> Path:
    if options.build_dir:
        return Path(options.build_dir)
    from infra.workspace import ROOT

    return ROOT / "build" / "lambda"


@functools.cache
def find_python312() -> str | None:
    """A CPython 3.12 interpreter on this machine (PATH, then pyenv), or None."""
    candidates = [shutil.which("python3.12")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += [str(p) for p in sorted(pyenv.glob("3.12*/bin/python3.12"))]
    for candidate in candidates:
        if not candidate:
            continue
        proc = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0 and proc.stdout.strip() == "True":
            return candidate
    return None


def _with_python(options: BuildOptions) -> BuildOptions:
    """The options with the CPython 3.12 that compiles the bytecode, when bytecode is wanted."""
    if not options.compiles or options.python312:
        return options
    python = find_python312()
    if python is None:
        raise BuildError(
            "bytecode for Lambda's python3.12 needs a CPython 3.12 on this machine "
            "(`uv python install 3.12`, or python3.12 on PATH); or build with --no-bytecode "
            "(slower cold starts)"
        )
    return BuildOptions(
        options.mode, options.architecture, options.build_dir, options.bytecode, python
    )


def _uv() -> str:
    # `uv run` exports the path of the running uv as $UV.
    uv = os.environ.get("UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    if not Path(uv).exists():
        raise BuildError("uv not found on PATH: install uv to build Lambda artifacts")
    return uv


def _copy_tree(src: Path, dest: Path) -> None:
    for path in _source_files(src):
        out = dest / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)


def _source_files(src: Path) -> Iterator[Path]:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).parts
        if path.is_file() and not _EXCLUDED_DIRS.intersection(rel) and path.suffix != ".pyc":
            yield path


def _tree_digest(src: Path) -> list[str]:
    return [
        f"{p.relative_to(src).as_posix()}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in _source_files(src)
    ]


def _hash(*parts: Iterable[object]) -> str:
    h = hashlib.sha256()
    for part in parts:
        for item in part:
            h.update(str(item).encode())
            h.update(b"\0")
        h.update(b"\1")
    return h.hexdigest()
