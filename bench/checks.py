"""How long does each page/program check take on a typical generated page?

Prints the median seconds (over --runs) for: html5lib, the static self-contained check,
the Nu Html Checker as one JVM run per page (markup on stdin and a file), as one JVM run
for a batch of pages, and through the long-running vnu service; axe-core with a shared
Chromium and with a Chromium launched per check; compile() and ruff on a small program.
Figures only; nothing here asserts on time.

Usage: .venv/bin/python bench/checks.py [--runs 3] [--batch 5] [--no-server]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from support_system.generators.checks.html import (
    VnuServer,
    check_axe,
    check_html5lib,
    check_self_contained,
    check_vnu,
    check_vnu_many,
    chromium,
)
from support_system.generators.checks.python import check_ast, check_ruff

SECTION = """
  <section aria-labelledby="s{n}">
    <h2 id="s{n}">Our bread, part {n}</h2>
    <p>We bake every morning with flour from the next valley. Sourdough rests for a night,
       rolls are shaped by hand, and the oven is lit at four. Ask us about allergens: we
       are happy to tell you what is in every loaf.</p>
    <ul><li>Country loaf</li><li>Rye with seeds</li><li>Milk bread</li></ul>
    <figure><img src="data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E"
      alt="A country loaf on the counter" width="80" height="60">
      <figcaption>Country loaf</figcaption></figure>
  </section>"""
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sakura Bakery</title>
<style>
  :root {{ --accent: #7a4a12; }}
  body {{ margin: 0; font: 1rem/1.6 system-ui, sans-serif; color: #1f2933; background: #fffdf7; }}
  header, footer {{ background: var(--accent); color: #fff; padding: 1rem 2rem; }}
  header a, footer a {{ color: #fff; }}
  main {{ max-width: 46rem; margin: 0 auto; padding: 1rem 2rem; }}
  a {{ color: #1d4f91; }}
  .skip {{ position: absolute; left: -999px; }} .skip:focus {{ left: 1rem; }}
  figure {{ margin: 0; }}
</style>
</head>
<body>
<a class="skip" href="#content">Skip to main content</a>
<header><p>Sakura Bakery</p>
  <nav aria-label="Site"><a href="#s1">Bread</a> <a href="#contact">Contact</a></nav></header>
<main id="content">
  <h1>Fresh bread every morning</h1>
  {sections}
  <section aria-labelledby="contact"><h2 id="contact">Contact</h2>
    <p>Write to <a href="mailto:shop@example.com">shop@example.com</a>.</p></section>
</main>
<footer><p>© Sakura Bakery</p></footer>
</body>
</html>
"""
PROGRAM = '''"""Total a column of a CSV file."""
import csv
import sys
from pathlib import Path


def total(path: Path, column: str = "amount") -> float:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(float(row[column]) for row in csv.DictReader(handle))


if __name__ == "__main__":
    print(total(Path(sys.argv[1])))
'''


def timed(function: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
        passed = (
            all(r.passed for r in result.values()) if isinstance(result, dict) else result.passed
        )
        if not passed:
            print(f"  (check failed: {getattr(result, 'messages', result)})")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=5, help="pages per batched vnu run")
    parser.add_argument("--no-server", action="store_true", help="skip the vnu service (~600 MB)")
    args = parser.parse_args()

    html = PAGE.format(sections="".join(SECTION.format(n=n) for n in range(1, 7)))
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        page = root / "index.html"
        page.write_text(html, encoding="utf-8")
        pages = []
        for n in range(args.batch):
            path = root / f"page{n}.html"
            path.write_text(html, encoding="utf-8")
            pages.append(path)
        program = root / "program.py"
        program.write_text(PROGRAM, encoding="utf-8")
        print(f"page: {len(html.encode()):,} bytes; runs: {args.runs}; median seconds")

        rows.append(("html5lib", timed(lambda: check_html5lib(html), args.runs)))
        rows.append(("self_contained", timed(lambda: check_self_contained(html), args.runs)))
        rows.append(("vnu, 1 page (stdin)", timed(lambda: check_vnu(html), args.runs)))
        rows.append(("vnu, 1 page (file)", timed(lambda: check_vnu(page), args.runs)))
        batch = timed(lambda: check_vnu_many(pages), args.runs)
        rows.append((f"vnu, batch of {args.batch} (total)", batch))
        rows.append((f"vnu, batch of {args.batch} (per page)", batch / args.batch))
        if not args.no_server:
            started = time.perf_counter()
            with VnuServer() as server:
                rows.append(("vnu service: start", time.perf_counter() - started))
                check_vnu(page, server=server)  # first request warms the JIT
                rows.append(
                    (
                        "vnu service: per page (warm)",
                        timed(lambda: check_vnu(page, server=server), args.runs),
                    )
                )
        started = time.perf_counter()
        with chromium() as browser:
            rows.append(("chromium launch (shared)", time.perf_counter() - started))
            check_axe(page, browser=browser)  # first page loads axe-core into V8
            rows.append(
                ("axe, shared browser", timed(lambda: check_axe(page, browser=browser), args.runs))
            )
        rows.append(("axe, own browser", timed(lambda: check_axe(page), args.runs)))
        rows.append(("ast (compile)", timed(lambda: check_ast(program), args.runs)))
        rows.append(("ruff", timed(lambda: check_ruff(program), args.runs)))

    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:8.3f}")


if __name__ == "__main__":
    main()
