"""Upload file names: what the browser sends becomes a name that stays in its folder."""

from __future__ import annotations

import pytest

from support_system.jobs.workspace import safe_filename


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("売上.csv", "売上.csv"),  # Japanese stays as it is
        ("C:\\Users\\hana\\Desktop\\写真.PNG", "写真.PNG"),  # a Windows path: only the name
        ("../../etc/passwd", "passwd"),
        ("..", "upload"),
        (".bashrc", "upload.bashrc"),  # no hidden files
        ('a<b>:"c"|d?.txt', "a_b___c__d_.txt"),
        ("   ", "upload"),
        ("report", "report"),
    ],
)
def test_safe_filename(sent: str, kept: str) -> None:
    assert safe_filename(sent) == kept
    assert "/" not in safe_filename(sent) and "\\" not in safe_filename(sent)
