"""export_zip(): deterministic, relative paths only, nothing from outside the artifact."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from support_system.publishing.errors import ArtifactMissing
from support_system.publishing.export import export_zip


def make_artifact(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<h1>こんにちは</h1>", encoding="utf-8")
    (root / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "run.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    os.chmod(root / "run.sh", 0o755)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_zip_contains_the_files_with_relative_names(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "shop")
    out = export_zip(artifact, tmp_path / "out")  # a folder that does not exist yet → file path
    assert out == tmp_path / "out"
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["index.html", "run.sh", "sub/data.csv"]
        assert archive.read("index.html").decode("utf-8") == "<h1>こんにちは</h1>"
        assert archive.testzip() is None
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert modes == {"index.html": 0o644, "run.sh": 0o755, "sub/data.csv": 0o644}


def test_dest_folder_names_the_zip_after_the_artifact(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "shop")
    (tmp_path / "downloads").mkdir()
    assert export_zip(artifact, tmp_path / "downloads") == tmp_path / "downloads" / "shop.zip"


def test_zip_is_byte_identical_across_runs(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "shop")
    first = digest(export_zip(artifact, tmp_path / "1.zip"))
    time.sleep(1.1)
    for path in artifact.rglob("*"):
        os.utime(path)  # new mtimes must not change the zip
    assert digest(export_zip(artifact, tmp_path / "2.zip")) == first


def test_symlinks_and_outside_files_are_left_out(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "shop")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", artifact / "leak.txt")
    os.symlink("/etc", artifact / "etc")
    out = export_zip(artifact, tmp_path / "x.zip")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert "leak.txt" not in names and not any(n.startswith("etc") for n in names)
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)


def test_zip_inside_the_artifact_does_not_include_itself(tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "shop")
    out = export_zip(artifact, artifact / "shop.zip")
    out = export_zip(artifact, artifact / "shop.zip")
    with zipfile.ZipFile(out) as archive:
        assert "shop.zip" not in archive.namelist()


def test_top_folder_option(tmp_path: Path) -> None:
    out = export_zip(make_artifact(tmp_path / "shop"), tmp_path / "x.zip", folder="shop")
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist()[0] == "shop/index.html"


def test_missing_artifact(tmp_path: Path) -> None:
    with pytest.raises(ArtifactMissing):
        export_zip(tmp_path / "nope", tmp_path / "x.zip")
