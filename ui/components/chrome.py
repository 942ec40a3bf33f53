"""Page chrome every page shares: theme, font size, page language, skip link, focus.

Streamlit cannot switch themes per person at run time or set `<html lang>`, and it
leaves focus on `<body>` after a page change (DESIGN.md §4, pitfall 2). These small,
documented patches do it from the page itself:

* `theme.css` holds the dark and high-contrast themes as CSS on top of Streamlit's light
  base theme (started with `--theme.base light`); font size scales the root `rem`, which
  every Streamlit size derives from, so the whole page grows, not just paragraphs.
* Streamlit's other own words (hints, uploader, recorder, sidebar labels) are put into
  the person's language by streamlit_text.py, the same way.
* A script (st.html with JavaScript, run in the app's own document — our code, never
  generated content) sets `<html lang>`, translates Streamlit's own skip link, gives
  the file drop zone a valid role and audio players a name (see the script), and moves
  focus where the person should continue: the new question's field, or an error
  message.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from components.streamlit_text import translate_streamlit
from support_system.core.i18n import t

THEME_CSS = Path(__file__).with_name("theme.css")

_CHROME_JS = """
<script>
(() => {
  const cfg = %(cfg)s;
  const doc = window.document;
  window.__ssCfg = cfg;
  doc.documentElement.lang = cfg.lang;
  doc.documentElement.dataset.ssTheme = cfg.theme;
  // Streamlit's own skip link ("Skip to main content") is the first focusable element;
  // it only needs the person's language.
  const relabel = () => {
    const skip = doc.querySelector('[data-testid="stSkipToContent"]');
    if (skip && skip.textContent !== cfg.skip) skip.textContent = cfg.skip;
    return Boolean(skip);
  };
  if (!relabel()) setTimeout(relabel, 300);
  // Streamlit's file drop zone is a section with role "presentation", an aria-label
  // and tabindex: axe "presentation-role-conflict". As a labelled group it is valid
  // and screen readers announce its label. Watched, because uploaders come and go.
  // Read-aloud players (st.audio) get a name in the person's language.
  if (!window.__ssAriaPatch) {
    const patch = () => {
      doc.querySelectorAll('[data-testid="stFileUploaderDropzone"][role="presentation"]')
        .forEach((zone) => zone.setAttribute("role", "group"));
      doc.querySelectorAll("audio:not([aria-label])")
        .forEach((audio) => audio.setAttribute("aria-label", window.__ssCfg.audio));
    };
    window.__ssAriaPatch = new MutationObserver(patch);
    window.__ssAriaPatch.observe(doc.body, {subtree: true, childList: true, attributes: true,
                                            attributeFilter: ["role"]});
    patch();
  }
})();
</script>
"""

_FOCUS_JS = """
<script>
(() => {
  const target = %(target)s;  // nonce %(nonce)s
  const doc = window.document;
  const find = () => {
    const main = doc.querySelector('[data-testid="stMain"]');
    if (!main) return null;
    if (target === "error") {
      const alert = main.querySelector('[data-testid="stAlertContentError"]');
      const box = alert ? alert.closest('[data-testid="stAlert"]') || alert : null;
      if (box) box.setAttribute("tabindex", "-1");
      return box;
    }
    if (target.startsWith("css:")) {
      // "a || b": the first selector that matches anything wins (order of preference).
      for (const sel of target.slice(4).split(" || ")) {
        const el = main.querySelector(sel);
        if (el) return el;
      }
      return null;
    }
    if (target === "heading") {
      const h = main.querySelector("h1");
      if (h) h.setAttribute("tabindex", "-1");
      return h;
    }
    const scope = main.querySelector('[data-testid="stForm"]') || main;
    return scope.querySelector(
      'input[type="radio"]:checked, textarea, ' +
      'input:not([type="hidden"]):not([type="radio"]):not([type="file"]), ' +
      'input[type="radio"], [data-testid="stFileUploaderDropzone"] button, button');
  };
  // Streamlit may still swap elements after the script ends, so focus is checked
  // again a few times and put back if the element it was on has been replaced.
  let tries = 0, settled = 0, focused = null;
  const attempt = () => {
    const running = doc.querySelector('[data-test-script-state="running"]');
    if (!running) {
      if (focused && focused.isConnected && doc.activeElement === focused) {
        if (++settled >= 4) return;
      } else if (!focused || !focused.isConnected || doc.activeElement === doc.body) {
        const el = find();
        if (el) { el.focus({preventScroll: false}); focused = el; settled = 0; }
      } else {
        return;  // the person moved focus themselves: leave it there
      }
    }
    if (tries++ < 150) setTimeout(attempt, 40);
  };
  attempt();
})();
</script>
"""


def apply_chrome(lang: str, theme: str, font_scale: int) -> None:
    """Theme, font size, `<html lang>`, the skip link and Streamlit's own words
    (streamlit_text.py) for this run of the page."""
    css = THEME_CSS.read_text(encoding="utf-8")
    st.html(f"<style>html {{ font-size: {int(font_scale)}%; }}\n{css}</style>")
    cfg = {
        "lang": lang,
        "theme": theme,
        "skip": t("app.skip_link", lang),
        "audio": t("ui.voice.audio_label", lang),
    }
    st.html(_CHROME_JS % {"cfg": json.dumps(cfg, ensure_ascii=False)}, unsafe_allow_javascript=True)
    translate_streamlit(lang)


def move_focus(target: str = "field") -> None:
    """Put keyboard focus on the main field ("field"), the error ("error"), the h1
    ("heading") or the first element matching a CSS selector ("css:<selector>").

    Call at the end of a page. The nonce makes Streamlit re-run the script every time,
    because an unchanged element is not re-mounted.
    """
    nonce = st.session_state.get("_focus_nonce", 0) + 1
    st.session_state._focus_nonce = nonce
    st.html(
        _FOCUS_JS % {"target": json.dumps(target), "nonce": nonce}, unsafe_allow_javascript=True
    )
