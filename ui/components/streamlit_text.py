"""Streamlit's own words in the person's language: its hints, buttons and labels.

Streamlit has no interface language: the words it draws itself ("Press Enter to submit
form", the uploader's "Upload", the recorder's "Record", "Collapse sidebar", the
"Running..." indicator) are English, in the text and in the `aria-label`s a screen
reader reads. Streamlit offers a parameter for some (a select box's `placeholder`;
`--client.toolbarMode minimal` among the start flags in ui/serve.py, which drops the
header's English menu, "Running..." and "Stop"); those are used where they exist.
For the rest this module does what chrome.py does for the skip link: a small script in
the app's own document (our code, never generated content) replaces each of
Streamlit's strings with the catalogue's (`streamlit.*` keys in
support_system/core/locales/streamlit.*.yaml), so the replacement is a real text or
label that a screen reader announces, not hidden text.

How it stays correct:

* `RULES` match a whole string exactly (a regular expression over the trimmed text;
  named groups such as a file name are carried into the translation). English
  catalogue entries are Streamlit's own words, so English pages look exactly as before.
* Only Streamlit's chrome is touched: text inside Markdown (every label, caption and
  message the app writes), code, tables, chat messages and st.html is left alone, so
  what a person typed or a model wrote is never "translated". The uploader's button is
  the one Markdown text that is Streamlit's own (its dropzone is matched explicitly).
* A watcher (MutationObserver) translates what Streamlit adds or changes later; each
  translated node remembers its original, so a language switch without a reload
  translates again from Streamlit's words.

tests/e2e/test_every_page.py walks every page in Japanese and fails on any English
this misses (for example after a Streamlit upgrade changes a string).
"""

from __future__ import annotations

import json
import re

import streamlit as st

from support_system.core.i18n import t

# (catalogue key under "streamlit.", Streamlit's English string as a Python regex over
# the whole trimmed text). Named groups are passed to the translation as parameters.
RULES: tuple[tuple[str, str], ...] = (
    # Hints under text fields (InputInstructions).
    ("input.enter_submit", r"Press Enter to submit form"),
    ("input.enter_apply", r"Press Enter to apply"),
    ("input.ctrl_enter_submit", r"Press (?P<modifier>⌘|Ctrl)\+Enter to submit form"),
    ("input.ctrl_enter_apply", r"Press (?P<modifier>⌘|Ctrl)\+Enter to apply"),
    ("input.show_password", r"Show password"),
    ("input.hide_password", r"Hide password"),
    ("input.clear", r"Clear entry"),
    ("input.help_for", r"Help for (?P<label>.+)"),
    # Page frame: header, sidebar and the running indicator.
    ("frame.running", r"Running\.\.\."),
    ("frame.stop", r"Stop"),
    ("frame.sidebar", r"Sidebar"),
    ("frame.pages", r"App pages"),
    ("frame.collapse_sidebar", r"Collapse sidebar"),
    ("frame.expand_sidebar", r"Expand sidebar"),
    ("frame.main_menu", r"Main menu"),
    ("frame.progress", r"progress"),
    # Select boxes and multiselects.
    ("select.open", r"Open"),
    ("select.no_results", r"No results"),
    ("select.clear_all", r"Clear all"),
    ("select.clear_value", r"Clear value"),
    ("select.selected_values", r"Selected values"),
    ("select.select_all", r"Select all"),
    ("select.select_matches", r"Select (?P<count>\d+) matches"),
    ("select.add", r"Add: (?P<value>.+)"),
    ("select.remove", r"Remove (?P<name>.+)"),
    ("select.dismiss", r"Dismiss"),
    ("select.options_available", r"(?P<count>\d+) options? available\."),
    # The file uploader.
    ("upload.button", r"Upload"),
    ("upload.native_input", r"file upload"),
    ("upload.add_files", r"Add files"),
    ("upload.drop_one", r"Drag and drop a file here"),
    ("upload.drop_many", r"Drag and drop files here"),
    ("upload.limit", r"(?P<size>\S+) per file"),
    ("upload.error_prefix", r"Error:"),
    ("upload.wrong_type", r"(?P<type>.+) files are not allowed\."),
    ("upload.too_large", r"File must be (?P<size>.+) or smaller\."),
    ("upload.only_one", r"Only one file is allowed\."),
    ("upload.failed", r"Upload failed"),
    ("upload.cancel", r"Cancel upload of (?P<name>.+)"),
    ("upload.retry", r"Click to retry upload"),
    ("upload.unexpected", r"Unexpected error\. Please try again\."),
    # The microphone (st.audio_input).
    ("audio.record", r"Record"),
    ("audio.stop_recording", r"Stop recording"),
    ("audio.play", r"Play"),
    ("audio.pause", r"Pause"),
    ("audio.download", r"Download as WAV: (?P<label>.+)"),
    ("audio.clear", r"Clear recording: (?P<label>.+)"),
    ("audio.permission", r"This app would like to use your microphone\."),
    ("audio.permission_help", r"Learn how to allow access\."),
    ("audio.error", r"An error has occurred, please try again\."),
    # Chat messages.
    ("chat.from_user", r"Chat message from user"),
    ("chat.from_assistant", r"Chat message from assistant"),
)


def translations(lang: str) -> list[tuple[str, str]]:
    """(JavaScript regex source, translated template with `{group}` slots) per rule."""
    rules = []
    for key, pattern in RULES:
        groups = re.compile(pattern).groupindex
        template = t(f"streamlit.{key}", lang, **{name: f"{{{name}}}" for name in groups})
        rules.append((pattern.replace("(?P<", "(?<"), template))
    return rules


def translate(text: str, lang: str) -> str:
    """What the page script shows for Streamlit's `text` (the same rules, in Python)."""
    for key, pattern in RULES:
        match = re.fullmatch(pattern, text.strip())
        if match:
            return t(f"streamlit.{key}", lang, **match.groupdict())
    return text


_TEXT_JS = """
<script>
(() => {
  const cfg = %(cfg)s;  // {lang, rules: [[regex, template], ...]}
  const doc = window.document;
  const ATTRS = ["aria-label", "title", "placeholder", "alt"];
  // Text the app or the person wrote (Markdown, code, tables, chat, st.html) is never
  // touched; the uploader's own button label is the one Markdown text of Streamlit's.
  const CONTENT = '[data-testid="stMarkdownContainer"], [data-testid="stText"], ' +
    '[data-testid="stCode"], [data-testid="stTable"], [data-testid="stDataFrame"], ' +
    '[data-testid="stChatMessageContent"], [data-testid="stHtml"], ' +
    '[data-testid="stFileChipName"], script, style, textarea, pre, code';
  const STREAMLIT_MARKDOWN = '[data-testid="stFileUploaderDropzone"]';
  const NATIVE_INPUT = '[data-testid="stFileUploaderDropzoneInput"]:not([aria-hidden])';
  const state = window.__ssText || (window.__ssText = {
    text: new WeakMap(),   // text node -> {orig, shown}
    attrs: new WeakMap(),  // element -> {attr: {orig, shown}}
  });
  state.rules = cfg.rules.map(([source, template]) => [new RegExp("^" + source + "$"), template]);

  const translate = (value) => {
    const trimmed = value.trim();
    if (!trimmed) return value;
    for (const [regex, template] of state.rules) {
      const match = regex.exec(trimmed);
      if (!match) continue;
      const groups = match.groups || {};
      const out = template.replace(/\\{(\\w+)\\}/g, (_, name) => groups[name] ?? "");
      return value.replace(trimmed, () => out);  // a function: "$&" in a name stays
    }
    return value;
  };
  const isContent = (el) => {
    const content = el.closest(CONTENT);
    return Boolean(content) && !(content.matches('[data-testid="stMarkdownContainer"]') &&
                                 content.closest(STREAMLIT_MARKDOWN));
  };
  const doText = (node) => {
    const el = node.parentElement;
    if (!el || isContent(el)) return;
    const known = state.text.get(node);
    const orig = known && node.nodeValue === known.shown ? known.orig : node.nodeValue;
    const shown = translate(orig);
    if (shown === orig && !known) return;
    state.text.set(node, {orig, shown});
    if (node.nodeValue !== shown) node.nodeValue = shown;
  };
  const doAttr = (el, attr) => {
    const value = el.getAttribute(attr);
    if (value === null) return;
    const all = state.attrs.get(el) || {};
    const known = all[attr];
    const orig = known && value === known.shown ? known.orig : value;
    const shown = translate(orig);
    if (shown === orig && !known) return;
    all[attr] = {orig, shown};
    state.attrs.set(el, all);
    if (value !== shown) el.setAttribute(attr, shown);
  };
  const doTree = (root) => {
    if (root.nodeType === 3) { doText(root); return; }
    if (root.nodeType !== 1) return;
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) doText(n);
    for (const el of [root, ...root.querySelectorAll("[" + ATTRS.join("], [") + "]")])
      for (const attr of ATTRS) doAttr(el, attr);
    // The uploader's hidden native file input repeats its visible button to
    // screen readers with the browser's own words ("No file chosen"); the button is
    // the control (keyboard and screen reader), so the duplicate is hidden from both.
    for (const input of [root, ...root.querySelectorAll(NATIVE_INPUT)])
      if (input.matches(NATIVE_INPUT)) input.setAttribute("aria-hidden", "true");
  };
  if (!state.observer) {
    state.observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === "childList") r.addedNodes.forEach(doTree);
        else if (r.type === "characterData") doText(r.target);
        else doAttr(r.target, r.attributeName);
      }
    });
    state.observer.observe(doc.documentElement, {subtree: true, childList: true,
      characterData: true, attributes: true, attributeFilter: ATTRS});
  }
  if (state.lang !== cfg.lang) {  // first run in this tab, or the language changed
    state.lang = cfg.lang;
    doTree(doc.body);
  }
})();
</script>
"""


def translate_streamlit(lang: str) -> None:
    """Draw Streamlit's own words in `lang` on this page (call once per run, early)."""
    cfg = {"lang": lang, "rules": translations(lang)}
    # No "<" directly before a letter or "/" may appear in the script: Streamlit's HTML
    # sanitiser (DOMPurify) drops a script whose text looks like it holds a tag.
    cfg_js = json.dumps(cfg, ensure_ascii=False).replace("<", "\\u003c")
    st.html(_TEXT_JS % {"cfg": cfg_js}, unsafe_allow_javascript=True)
