"""What a person sees and hears on a page, collected in Chromium, and the English in it.

Used by tests/e2e/test_every_page.py: the allow-list of proper names a Japanese
interface writes in Latin letters, the scripts that collect visible text, the
accessibility tree and texts shown only for a moment, and `english_words`.
"""

from __future__ import annotations

import re
from typing import Any

from support_system.core.settings import PROJECT_ROOT

# The allow-list: proper names and notations a Japanese interface writes in Latin
# letters. Words are taken out of a string first (whole words, case-sensitive, longest
# first), then the patterns (any case); a Latin word left over is English.
ALLOWED_WORDS = {
    # Model, company and program names as their makers spell them (Home, Settings,
    # Agents: the model list in config/models.yaml and names.ja.yaml).
    "Qwen2.5-Coder": "model name",
    "SmolLM2": "model name",
    "Instruct": "part of the models' proper names (Qwen2.5-Coder 0.5B Instruct)",
    "GPT-4o mini": "model name",
    "Claude Haiku": "model name",
    "Ollama": "program name (a model server)",
    "OpenAI": "company name, and the API other servers copy (OpenAI 互換)",
    "Anthropic": "company name",
    "llama-server": "program name (llama.cpp's server)",
    "vLLM": "program name",
    "LM Studio": "program name",
    "Python": "programming language name",
    # Speech engines, as Settings names the ones that work for each language.
    "whisper": "speech recognition engine (Settings: 使えます（whisper）)",
    "vosk": "speech recognition engine",
    "piper": "speech synthesis engine",
    "kokoro": "speech synthesis engine",
    "espeak": "speech synthesis engine",
    # Notations Japanese writes in Latin letters too.
    "CSV": "file format (CSV ファイル)",
    "HTML": "file format (ページは HTML の標準に沿っている)",
    "JSON": "data format (an agent skill: JSON データ)",
    "PDF": "file format (the knowledge base's file types)",
    "Markdown": "file format name (the knowledge base's file types)",
    "Excel": "program name (CSV や Excel のファイル: the files Ask your data reads)",
    "Word": "Microsoft Word, whose .docx files the knowledge base takes",
    "zip": "file format (zip ファイルでダウンロード)",
    "Shift_JIS": "character encoding name (the CSV question's help)",
    "UTF-8": "character encoding name (the CSV question's help)",
    "ID": "written so in Japanese (短い名前（ID）)",
    "AI": "written so in Japanese (AI モデル)",
    "API": "written so in Japanese (API キー)",
    "Enter": "key name as printed on the keyboard (Enter キーで送信できます)",
    "Ctrl": "key name as printed on the keyboard (Ctrl+Enter キーで送信できます)",
    "English": "a language's name in that language, on the language choosers",
}
ALLOWED_PATTERNS = {
    r"https?://[^\s)」）]+": "addresses (of a published page, of the Ollama server)",
    r"(?<![\w/])(?:/[\w.-]+){2,}/?": (
        "paths (of a published page, of a knowledge-base document's file)"
    ),
    r"\b[\w.-]+\.(?:csv|xlsx|txt|md|html?|pdf|docx|zip|exe)\b": "file names the person chose",
    r"\bsales_ja_sjis\b": "the uploaded file's name, which is its document's title",
    r"\b(?:application|text|image|audio|video)/[\w.+-]+": (
        "a refused file's type as the browser names it (an identifier, like a file name)"
    ),
    r"\((?:"
    + "|".join(sorted(f.stem for f in (PROJECT_ROOT / "config/agents/system").glob("*.md")))
    + r")\)": "the built-in agents' IDs (their file names), shown beside their names",
    r"\b(?:Q4_K_M|Q4_1|\d+(?:\.\d+)?[BM])\b": "model size and quantisation (0.5B, 135M)",
    r"\b(?:qwen|smollm|gpt)[\w.:-]*": "model ids (Answered by qwen2.5-coder-0.5b)",
    r"\b\d+(?:\.\d+)?\s?(?:KB|MB|GB|B)\b": "file sizes (1 ファイル 20MB まで, 354.0B)",
    r"\b(?:txt|md|html?|pdf|docx|csv|xlsx)\b": "file types an uploader lists (TXT, MD, …)",
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")

# ---- collection (runs in the app's document) -----------------------------------------

# Records every text and label present when a frame is drawn (for things that show
# only while the script runs). Read (and cleared) by `_transient`.
RECORDER = """
(() => {
  const seen = new Map();
  window.__ssSeen = seen;
  const pending = new Set();
  let scheduled = false;
  const where = (el) => {
    const tid = el.closest("[data-testid]");
    return (tid ? tid.getAttribute("data-testid") : "") + " " + el.tagName.toLowerCase();
  };
  const note = (text, el, kind) => {
    text = (text || "").replace(/\\s+/g, " ").trim();
    if (text && !seen.has(text)) seen.set(text, kind + " in " + where(el));
  };
  const glyph = (el) => {
    const family = getComputedStyle(el).fontFamily;
    return /Material/i.test(family) && document.fonts.check(`16px ${family}`);
  };
  // Text nobody perceives: neither drawn (a pixel or less) nor read (hidden from
  // screen readers, or inside a button named by its aria-label).
  const unread = (el) => {
    const box = el.getBoundingClientRect();
    return box.width <= 1 && box.height <= 1 &&
      Boolean(el.closest('[aria-hidden="true"], button[aria-label]'));
  };
  const flush = () => {
    scheduled = false;
    // Only once the app's own code runs in this tab (it translates Streamlit's words):
    // the boot frame before the first script run is Streamlit's alone (see the report).
    if (!(window.__ssText && window.__ssText.lang)) { pending.clear(); return; }
    for (const node of pending) {
      if (!node.isConnected) continue;
      const el = node.nodeType === 1 ? node : node.parentElement;
      if (!el || el.closest("script, style, noscript, template, textarea")) continue;
      if (node.nodeType === 3) {
        if (el.checkVisibility({visibilityProperty: true}) && !glyph(el) && !unread(el))
          note(node.nodeValue, el, "text");
        continue;
      }
      for (const x of [el, ...el.querySelectorAll("*")]) {
        for (const attr of ["aria-label", "title", "placeholder", "alt"])
          if (x.hasAttribute(attr)) note(x.getAttribute(attr), x, attr);
        for (const child of x.childNodes)
          if (child.nodeType === 3 && x.checkVisibility({visibilityProperty: true}) &&
              !x.closest("textarea") && !glyph(x) && !unread(x))
            note(child.nodeValue, x, "text");
      }
    }
    pending.clear();
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "childList") r.addedNodes.forEach((n) => pending.add(n));
      else pending.add(r.target);
    }
    if (!scheduled) { scheduled = true; requestAnimationFrame(() => requestAnimationFrame(flush)); }
  }).observe(document, {subtree: true, childList: true, characterData: true,
                        attributes: true, attributeFilter: ["aria-label", "title", "placeholder",
                                                             "alt"]});
})();
"""

VISIBLE_TEXT = """() => {
  const out = [];
  const where = (el) => {
    const tid = el.closest("[data-testid]");
    return (tid ? tid.getAttribute("data-testid") : "") + " " + el.tagName.toLowerCase();
  };
  // An icon font's ligature ("keyboard_double_arrow_left") is drawn as a picture once
  // the font is loaded; before that it is text on screen.
  const icon = (el) => {
    const family = getComputedStyle(el).fontFamily;
    return /Material/i.test(family) && document.fonts.check(`16px ${family}`);
  };
  // Text clipped to a pixel is for screen readers only: the accessibility tree has it.
  const shown = (el) => {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const text = n.nodeValue.replace(/\\s+/g, " ").trim();
    if (!text || !el || el.closest("script, style, noscript, template, textarea")) continue;
    if (!shown(el) || icon(el)) continue;  // an icon font's ligature is drawn as a picture
    out.push([text, "text in " + where(el)]);
  }
  for (const el of document.body.querySelectorAll("*")) {
    for (const pseudo of ["::before", "::after"]) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content.startsWith('"') && shown(el))
        out.push([content.slice(1, -1), "css " + pseudo + " in " + where(el)]);
    }
    if (el.placeholder && shown(el)) out.push([el.placeholder, "placeholder in " + where(el)]);
  }
  out.push([document.title, "document title"]);
  return out;
}"""

# Field values are the person's own words; selects' values are the app's (shown below).
PERSON_ROLES = {"textbox", "searchbox", "textField", "TextField"}


def _ax_strings(page: Any) -> list[tuple[str, str]]:
    """Names, descriptions and values in Chromium's accessibility tree (the main frame)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {node["nodeId"]: node for node in nodes}

    def in_button(node: dict) -> bool:
        # A button's content is read only as its name (checked on the button itself).
        parent = by_id.get(node.get("parentId", ""))
        while parent is not None:
            if (parent.get("role") or {}).get("value") == "button":
                return True
            parent = by_id.get(parent.get("parentId", ""))
        return False

    found = []
    for node in nodes:
        if node.get("ignored"):
            continue
        role = (node.get("role") or {}).get("value", "")
        if role in ("StaticText", "InlineTextBox") and in_button(node):
            continue
        for part in ("name", "description", "value"):
            if part == "value" and role in PERSON_ROLES:
                continue
            text = str((node.get(part) or {}).get("value", "") or "")
            if text.strip():
                found.append((re.sub(r"\s+", " ", text).strip(), f"a11y {part} of {role}"))
    return found


def english_words(text: str) -> list[str]:
    """The Latin words of `text` that are not allow-listed proper names or notations."""
    for word in sorted(ALLOWED_WORDS, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_-]){re.escape(word)}(?![A-Za-z0-9_-])", " ", text)
    for pattern in ALLOWED_PATTERNS:
        text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    return LATIN_WORD.findall(text)


class Collector:
    """Everything seen, per page, that still has English in it."""

    def __init__(self) -> None:
        self.english: dict[str, dict[str, str]] = {}
        self.seen: dict[str, dict[str, str]] = {}
        self.checked = 0

    def add(self, page_name: str, strings: list[tuple[str, str]] | list[list[str]]) -> None:
        for text, where in strings:
            self.checked += 1
            self.seen.setdefault(page_name, {}).setdefault(text[:160], where)
            if english_words(text):
                self.english.setdefault(page_name, {}).setdefault(text[:160], where)

    def scan(self, page: Any, page_name: str) -> None:
        self.add(page_name, page.evaluate(VISIBLE_TEXT))
        self.add(page_name, _ax_strings(page))
        self.transient(page, page_name)

    def transient(self, page: Any, page_name: str) -> None:
        seen = page.evaluate(
            "() => { const s = [...(window.__ssSeen || new Map())]; "
            "if (window.__ssSeen) window.__ssSeen.clear(); return s; }"
        )
        self.add(page_name, [(text, f"for a moment: {where}") for text, where in seen])


# ---- driving the pages -----------------------------------------------------------------
