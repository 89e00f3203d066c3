"""Artifact builds: deterministic zips, content-hash cache, pruning, size checks, and one real
build of the common layer for the Lambda platform (about 5 s with a cold uv cache)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from infra.build import (
    LAMBDA_UNZIPPED_LIMIT,
    ZIP_EPOCH,
    Artifact,
    Artifacts,
    ArtifactTooLargeError,
    BuildError,
    BuildOptions,
    build_layer,
    build_service,
    check_function,
    prune,
)
from infra.workspace import load


@pytest.fixture
def copy_ws(tmp_path, ws):
    """A copy of the workspace's declarations and sources that a test may edit."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(ws.root / "pyproject.toml", root)
    shutil.copy(ws.root / "uv.lock", root)
    for part in ("services", "packages/common", "packages/gmail", "packages/parsers"):
        shutil.copytree(
            ws.root / part, root / part, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
    return load(root)


def test_sources_build_is_deterministic_and_cached(copy_ws, tmp_path):
    first = build_service("users", copy_ws, BuildOptions(mode="sources", build_dir=tmp_path / "a"))
    second = build_service("users", copy_ws, BuildOptions(mode="sources", build_dir=tmp_path / "b"))
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()
    again = build_service("users", copy_ws, BuildOptions(mode="sources", build_dir=tmp_path / "a"))
    assert again == first  # served from the cache
    with zipfile.ZipFile(first.path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and names
    assert all(i.date_time == ZIP_EPOCH for i in infos)
    assert all((i.external_attr >> 16) & 0o777 in (0o644, 0o755) for i in infos)
    assert all(n.startswith("paypulse_users/") for n in names)


def test_a_source_change_changes_the_hash(copy_ws, tmp_path):
    options = BuildOptions(mode="sources", build_dir=tmp_path / "out")
    before = build_layer("common", copy_ws, options)
    (copy_ws.root / "packages/common/src/paypulse_common/added_module.py").write_text("X = 1\n")
    after = build_layer("common", copy_ws, options)
    assert before.sha256 != after.sha256
    with zipfile.ZipFile(after.path) as zf:
        assert "python/paypulse_common/added_module.py" in zf.namelist()


def test_prune_keeps_gmail_discovery_and_used_botocore_models(tmp_path):
    docs = tmp_path / "googleapiclient/discovery_cache/documents"
    docs.mkdir(parents=True)
    for name in ("gmail.v1.json", "drive.v3.json", "youtube.v3.json"):
        (docs / name).write_text("{}")
    data = tmp_path / "botocore/data"
    for service in ("dynamodb", "s3", "ec2", "sagemaker"):
        (data / service).mkdir(parents=True)
    (data / "endpoints.json").write_text("{}")
    (tmp_path / "bin").mkdir()
    prune(tmp_path)
    assert sorted(p.name for p in docs.iterdir()) == ["gmail.v1.json"]
    assert sorted(p.name for p in data.iterdir()) == ["dynamodb", "endpoints.json", "s3"]
    assert not (tmp_path / "bin").exists()


def _artifact(kind, name, size, top=()) -> Artifact:
    return Artifact(kind, name, Path("x.zip"), "00", 1, size, tuple(top), False)


def test_size_limit_raises_a_clear_error(ws):
    fn = ws.functions["parse_invoice"]
    too_big = Artifacts(
        layers={"common": _artifact("layer", "common", 100_000_000, ["a"]),
                "parsers": _artifact("layer", "parsers", LAMBDA_UNZIPPED_LIMIT, ["b"])},
        services={fn.service: _artifact("service", fn.service, 1000)},
    )  # fmt: skip
    with pytest.raises(ArtifactTooLargeError):
        check_function(fn, too_big)
    fits = Artifacts(
        layers={"common": _artifact("layer", "common", 30_000_000, ["a"]),
                "parsers": _artifact("layer", "parsers", 120_000_000, ["b"])},
        services={fn.service: _artifact("service", fn.service, 1000)},
    )  # fmt: skip
    assert check_function(fn, fits) == 150_001_000


def test_a_package_of_the_common_layer_in_another_layer_is_an_error(ws):
    fn = ws.functions["parse_invoice"]
    overlapping = Artifacts(
        layers={"common": _artifact("layer", "common", 10, ["botocore"]),
                "parsers": _artifact("layer", "parsers", 10, ["botocore", "fitz"])},
        services={fn.service: _artifact("service", fn.service, 10)},
    )  # fmt: skip
    with pytest.raises(BuildError):
        check_function(fn, overlapping)


def test_real_common_layer_for_the_lambda_platform(ws, tmp_path):
    """uv export + uv pip install --python-platform aarch64-manylinux_2_28 (downloads ~8 MB)."""
    # no bytecode: the same bytes whatever Python this machine has
    artifact = build_layer("common", ws, BuildOptions(mode="full", architecture="arm64",
                                                      build_dir=tmp_path, bytecode=False))  # fmt: skip
    assert 5_000_000 < artifact.unzipped_size < 60_000_000
    assert {"paypulse_common", "aiobotocore", "botocore", "jwt", "bcrypt"} <= set(
        artifact.top_level
    )
    with zipfile.ZipFile(artifact.path) as zf:
        names = zf.namelist()
    assert all(n.startswith("python/") for n in names)
    assert any("aarch64" in n for n in names if n.endswith(".so"))  # the Lambda arm64 wheels
    models = {
        n.split("/")[3] for n in names if n.startswith("python/botocore/data/") and n.count("/") > 4
    }
    assert models and models <= {"dynamodb", "dynamodbstreams", "s3", "secretsmanager", "sns",
                                 "sqs", "sts", "sso", "sso-oidc"}  # fmt: skip
    assert not artifact.compiled and not any(n.endswith(".pyc") for n in names)
    again = build_layer("common", ws, BuildOptions(mode="full", architecture="arm64",
                                                   build_dir=tmp_path / "again",
                                                   bytecode=False))  # fmt: skip
    assert again.sha256 == artifact.sha256  # a fresh build of the same lock: identical bytes


def test_gmail_and_parsers_may_share_identical_pins(ws):
    from infra.build import shared_entries

    fn = ws.functions["parse_invoice"]
    both = Artifacts(
        layers={"common": _artifact("layer", "common", 10, ["botocore"]),
                "parsers": _artifact("layer", "parsers", 10, ["fitz", "requests"])},
        services={fn.service: _artifact("service", fn.service, 10)},
    )  # fmt: skip
    assert shared_entries(fn, both) == {}
    gmail_parsers = [f for f in ws.functions.values() if {"gmail", "parsers"} <= set(f.layers)]
    for f in gmail_parsers:
        arts = Artifacts(
            layers={"common": _artifact("layer", "common", 10, ["botocore"]),
                    "gmail": _artifact("layer", "gmail", 10, ["googleapiclient", "requests"]),
                    "parsers": _artifact("layer", "parsers", 10, ["fitz", "requests"])},
            services={f.service: _artifact("service", f.service, 10)},
        )  # fmt: skip
        check_function(f, arts)  # no error
        assert shared_entries(f, arts) == {"requests": ("gmail", "parsers")}


def _no_subprocess(*args, **kwargs):
    raise AssertionError(f"ran a subprocess: {args[0] if args else kwargs}")


def test_content_keys_come_from_lock_and_sources_not_the_machine(copy_ws, monkeypatch):
    from infra import build

    monkeypatch.setattr(build.subprocess, "run", _no_subprocess)  # no uv, no interpreter probe
    full = BuildOptions(mode="full", architecture="arm64", build_dir=Path("x"))
    key = build.layer_key("gmail", copy_ws, full)
    elsewhere = BuildOptions(mode="full", architecture="arm64", build_dir=Path("y"),
                             python312="/opt/other/python3.12")  # fmt: skip
    assert build.layer_key("gmail", copy_ws, elsewhere) == key
    assert build.layer_key("gmail", copy_ws, BuildOptions(mode="full", bytecode=False)) != key
    assert (
        build.layer_key("gmail", copy_ws, BuildOptions(mode="full", architecture="x86_64")) != key
    )
    lock = copy_ws.root / "uv.lock"
    lock.write_text(lock.read_text() + "\n# another resolution\n")
    assert build.layer_key("gmail", copy_ws, full) != key


def test_manifest_is_checked_against_sources_and_zips(copy_ws, tmp_path, monkeypatch):
    from infra import build

    options = BuildOptions(mode="sources", architecture="arm64", build_dir=tmp_path / "out")
    with pytest.raises(build.ArtifactsNotBuiltError):
        build.load_manifest(copy_ws, "arm64", tmp_path / "out")
    built = build.build_all(copy_ws, options)
    build.write_manifest(built, options)
    monkeypatch.setattr(build.subprocess, "run", _no_subprocess)
    loaded = build.load_manifest(copy_ws, "arm64", tmp_path / "out")
    assert {n: a.sha256 for n, a in loaded.layers.items()} == {
        n: a.sha256 for n, a in built.layers.items()
    }
    assert loaded.mode == "sources"
    with pytest.raises(build.ArtifactsNotBuiltError):  # the other architecture was not built
        build.load_manifest(copy_ws, "x86_64", tmp_path / "out")
    source = copy_ws.root / "services/users/src/paypulse_users/accounts.py"
    source.write_text(source.read_text() + "\n# changed\n")
    with pytest.raises(build.ArtifactsNotBuiltError, match="service/users"):
        build.load_manifest(copy_ws, "arm64", tmp_path / "out")
    build.write_manifest(build.build_all(copy_ws, options), options)
    layer = build.load_manifest(copy_ws, "arm64", tmp_path / "out").layers["common"]
    layer.path.write_bytes(layer.path.read_bytes() + b"x")
    with pytest.raises(build.ArtifactsNotBuiltError, match="altered"):
        build.load_manifest(copy_ws, "arm64", tmp_path / "out")


def test_bytecode_without_python_312_is_a_clear_error(copy_ws, tmp_path, monkeypatch):
    from infra import build

    monkeypatch.setattr(build, "find_python312", lambda: None)
    options = BuildOptions(mode="full", build_dir=tmp_path, bytecode=True)
    with pytest.raises(BuildError, match="--no-bytecode"):
        build.build_service("users", copy_ws, options)
