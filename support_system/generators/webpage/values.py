"""How the person's values are written on a page: exactly as they gave them.

Shared by the job layouts (generator.py) and the section blocks (sections.py).
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any

from support_system.core.i18n import t


def number_text(value: Any) -> str:
    """A price as the user typed it: 450.0 → "450", 3.5 → "3.5" (never reformatted)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_BARE_AMOUNT = re.compile(r"[0-9０-９][0-9０-９,，.．]*")


def price_text(value: Any, lang: str) -> str:
    """A price for the page, exactly as given: "$12.50" and "1,200円" stay as they are;
    a bare amount ("180", or a number saved by an older version) gets the page
    language's usual unit ("180円" in Japanese; English adds nothing, as the currency is
    unknown)."""
    text = number_text(value).strip()
    if _BARE_AMOUNT.fullmatch(text):
        return t("page.price_value", lang, price=text)
    return text


def photo_src(path_value: str | None, base_dir: Path) -> str | None:
    """The photo inlined as a data: URI, so the page stays one self-contained file."""
    if not path_value:
        return None
    path = Path(path_value)
    if not path.is_absolute():
        path = base_dir / path
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
