"""publish(): safe slugs, no overwriting another project, atomic republish with a kept .prev."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from support_system.publishing.errors import ArtifactMissing, PublishConflict
from support_system.publishing.site import (
    is_valid_slug,
    publish,
    restore_previous,
    sites_root,
    slugify,
)


def make_artifact(root: Path, text: str, **extra: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(f"<h1>{text}</h1>", encoding="utf-8")
    for name, content in extra.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My Shop", "my-shop"),
        ("  Café  Été ", "cafe-ete"),
        ("../../etc/passwd", "etc-passwd"),
        ("/absolute/path", "absolute-path"),
        ("ＡＢＣ１２３", "abc123"),
        ("a" * 100, "a" * 64),
    ],
)
def test_slugify_ascii(name: str, expected: str) -> None:
    assert slugify(name) == expected
    assert is_valid_slug(slugify(name))


def test_japanese_names_get_stable_distinct_slugs() -> None:
    bakery, florist = slugify("パン屋さくら"), slugify("花屋")
    assert bakery.startswith("page-") and is_valid_slug(bakery)
    assert bakery == slugify("パン屋さくら")  # stable
    assert bakery != florist
    mixed = slugify("Cafe カフェ")
    assert mixed.startswith("cafe-") and mixed != slugify("Cafe")
    assert slugify("プロジェクト", prefix="project").startswith("project-")


@pytest.mark.parametrize("bad", ["", "..", "a/b", "A", "-a", "a-", "page.prev", ".owner", "ä"])
def test_invalid_slugs(bad: str) -> None:
    assert not is_valid_slug(bad)


def test_publish_copies_into_the_state_dir(settings, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "a", "v1", **{"css/site.css": "body{}"})
    site = publish(artifact, "My Shop", "トップページ")
    assert site.path.parent.parent == settings.state_dir / "sites"
    assert site.project == "my-shop" and site.slug.startswith("page-")
    assert (site.path / "index.html").read_text(encoding="utf-8") == "<h1>v1</h1>"
    assert (site.path / "css" / "site.css").is_file()
    assert site.url == f"http://127.0.0.1:8600/my-shop/{site.slug}/"
    assert site.previous is None


def test_traversal_names_stay_inside_the_sites_folder(settings, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path / "a", "x")
    for project, page in [
        ("../../etc", "passwd"),
        ("/var", "/tmp/x"),
        ("..", ".."),
        ("a/../../b", "c"),
    ]:
        site = publish(artifact, project, page)
        assert site.path.resolve().is_relative_to(sites_root().resolve())
        assert site.path.parent.parent.resolve() == sites_root().resolve()


def test_republish_keeps_the_previous_version(settings, tmp_path: Path) -> None:
    first = publish(
        make_artifact(tmp_path / "v1", "v1", **{"old.txt": "gone later"}), "shop", "top"
    )
    second = publish(make_artifact(tmp_path / "v2", "v2"), "shop", "top")
    assert second.path == first.path
    assert (second.path / "index.html").read_text(encoding="utf-8") == "<h1>v2</h1>"
    assert not (second.path / "old.txt").exists()  # replaced, not merged
    assert second.previous is not None and second.previous.name == "top.prev"
    assert (second.previous / "index.html").read_text(encoding="utf-8") == "<h1>v1</h1>"
    third = publish(make_artifact(tmp_path / "v3", "v3"), "shop", "top")
    assert (third.previous / "index.html").read_text(encoding="utf-8") == "<h1>v2</h1>"
    leftovers = [
        p.name
        for p in (sites_root() / "shop").iterdir()
        if p.name.startswith((".tmp", ".trash", ".old"))
    ]
    assert leftovers == []
    restore_previous("shop", "top")
    assert (third.path / "index.html").read_text(encoding="utf-8") == "<h1>v2</h1>"
    assert (third.previous / "index.html").read_text(encoding="utf-8") == "<h1>v3</h1>"


def test_readers_never_see_a_missing_page_during_republish(settings, tmp_path: Path) -> None:
    publish(make_artifact(tmp_path / "v0", "v0"), "shop", "top")
    index = sites_root() / "shop" / "top" / "index.html"
    misses: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            if not index.is_file():
                misses.append(1)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(20):
        publish(make_artifact(tmp_path / f"r{i}", f"r{i}"), "shop", "top")
    stop.set()
    thread.join()
    assert misses == []


def test_another_projects_folder_is_never_overwritten(settings, tmp_path: Path) -> None:
    publish(make_artifact(tmp_path / "a", "mine"), "My Shop", "top")
    with pytest.raises(PublishConflict) as caught:
        publish(make_artifact(tmp_path / "b", "theirs"), "my shop", "top")  # same slug, other owner
    assert (sites_root() / "my-shop" / "top" / "index.html").read_text(
        encoding="utf-8"
    ) == "<h1>mine</h1>"
    assert "my-shop" in caught.value.message("ja") and "my-shop" in caught.value.message("en")
    # A folder made by hand (no owner marker) is not ours either.
    (sites_root() / "manual" / "page").mkdir(parents=True)
    with pytest.raises(PublishConflict):
        publish(make_artifact(tmp_path / "c", "x"), "manual", "page")
    # The same owner under another spelling of the display name may pass an explicit owner.
    publish(make_artifact(tmp_path / "d", "again"), "My Shop!", "top", owner="My Shop")


def test_symlinks_and_outside_files_are_not_published(settings, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not publish", encoding="utf-8")
    artifact = make_artifact(tmp_path / "a", "x")
    os.symlink(secret, artifact / "leak.txt")
    os.symlink(tmp_path, artifact / "up")
    site = publish(artifact, "shop", "links")
    assert sorted(p.name for p in site.path.rglob("*")) == ["index.html"]


def test_missing_artifact_is_explained(settings, tmp_path: Path) -> None:
    with pytest.raises(ArtifactMissing) as caught:
        publish(tmp_path / "nothing", "shop", "top")
    assert "nothing" in caught.value.message("en")
