"""The program that runs inside the sandbox around a model-written `solve(df, tables)`.

It is copied into the sandbox's working directory and run there with the project's
Python, so it imports nothing from `support_system` (the project tree does not exist
inside the sandbox). It loads the tables the service pickled, calls `solve`, and writes
what came back as JSON in one fixed shape, plus the result table as CSV and a chart as
PNG, so the service never has to trust or unpickle anything the model's code made.

JSON shapes of a value (shared with `analysis.evaluation`, which grades them):
a scalar (number, text, bool, null; dates as ISO text); a list of scalars;
{"type": "series", "index": [...], "values": [...]};
{"type": "frame", "columns": [...], "rows": [[...], ...]}.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import pickle
import sys
import traceback
from pathlib import Path
from typing import Any

TABLES_FILE = "tables.pkl"
CODE_FILE = "solution.py"
RESULT_FILE = "result.json"
OUT_DIR = "out"
TABLE_CSV = "result.csv"
CHART_PNG = "chart.png"
MAX_ROWS = 5000  # rows of a result table sent back as JSON (the CSV keeps them all)
CJK_FONT_FILES = ("ipaexg.ttf", "ipag.ttf", "ipagp.ttf", "fonts-japanese-gothic.ttf")
CJK_FONTS = ("IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Noto Sans JP", "TakaoGothic")


def scalar(value: Any) -> Any:
    """A JSON-safe Python scalar for a numpy/pandas/datetime scalar."""
    import numpy as np
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, pd.Timestamp | _dt.datetime):
        if value.hour == value.minute == value.second == 0 and not value.microsecond:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | _dt.timedelta):
        return str(value)
    if isinstance(value, pd.Period | pd.Interval):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def to_json_value(value: Any) -> Any:
    """`value` in one of the JSON shapes of the module docstring."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        frame = value.reset_index() if meaningful_index(value) else value
        rows = [[scalar(v) for v in row] for row in frame.head(MAX_ROWS).itertuples(index=False)]
        return {"type": "frame", "columns": [str(c) for c in frame.columns], "rows": rows}
    if isinstance(value, pd.Series):
        return {
            "type": "series",
            "name": None if value.name is None else str(value.name),
            "index_name": None if value.index.name is None else str(value.index.name),
            "index_names": [None if n is None else str(n) for n in value.index.names],
            "index": [scalar(i) for i in value.index[:MAX_ROWS]],
            "values": [scalar(v) for v in value.to_numpy()[:MAX_ROWS]],
        }
    if isinstance(value, pd.Index | np.ndarray | list | tuple | set | frozenset):
        return [to_json_value(v) for v in list(value)[:MAX_ROWS]]
    if isinstance(value, dict):
        return {
            "type": "series",
            "name": None,
            "index": [scalar(k) for k in value],
            "values": [scalar(v) for v in value.values()],
        }
    return scalar(value)


def meaningful_index(frame: Any) -> bool:
    """False for row numbers (also left over after a filter), True for labels or names."""
    import pandas as pd

    index = frame.index
    if isinstance(index, pd.MultiIndex) or any(name is not None for name in index.names):
        return True
    return not pd.api.types.is_integer_dtype(index.dtype)


def _figure(result: Any) -> Any:
    """The matplotlib figure the code returned or drew, if any."""
    if "matplotlib" not in sys.modules:
        return None
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(result, Figure):
        return result
    if isinstance(result, Axes):
        return result.figure
    if isinstance(result, list | tuple) and result and isinstance(result[0], Axes):
        return result[0].figure
    return plt.gcf() if plt.get_fignums() else None


def _japanese_font() -> str | None:
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    for path in sorted(font_manager.findSystemFonts()):
        if Path(path).name in CJK_FONT_FILES:
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    return None


def _draw(data: Any, title: str) -> Any:
    """A bar chart (line chart over time) of a Series, or of a two-column table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        numeric = data.select_dtypes("number").columns
        if len(numeric) == 0:
            return None
        if isinstance(data.index, pd.RangeIndex) and len(data.columns) > 1:
            labels = [c for c in data.columns if c not in numeric]
            if labels:
                data = data.set_index(labels[0])
        data = data[numeric[0]]
    if not isinstance(data, pd.Series) or data.empty:
        return None
    font = _japanese_font()
    plt.rcParams["font.family"] = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    over_time = isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex)
    labels = [str(i.date()) if hasattr(i, "date") else str(i) for i in data.index]
    if over_time:
        axes.plot(labels, data.to_numpy(), marker="o", color="#1f5fa8")
    else:
        axes.bar(labels, data.to_numpy(), color="#1f5fa8")
    axes.set_title(title)
    axes.tick_params(axis="x", labelrotation=45 if len(labels) > 6 else 0)
    figure.tight_layout()
    return figure


def main() -> int:
    """Run solve(); write result.json (always, also on failure) and the output files."""
    request = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    out = Path(OUT_DIR)
    out.mkdir(exist_ok=True)
    report: dict[str, Any] = {"ok": False}
    try:
        report.update(_solve(request, out))
    except BaseException as error:  # noqa: BLE001 - every failure is reported to the caller
        report.update(_failure(error))
    Path(RESULT_FILE).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return 0


def _solve(request: dict[str, Any], out: Path) -> dict[str, Any]:
    import warnings

    warnings.simplefilter("ignore")
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    import pandas as pd

    with open(TABLES_FILE, "rb") as handle:
        payload = pickle.load(handle)
    tables = payload["tables"]
    df = payload["df"]
    namespace: dict[str, Any] = {"pd": pd, "np": np, "__name__": "solution"}
    code = Path(CODE_FILE).read_text(encoding="utf-8")
    exec(compile(code, CODE_FILE, "exec"), namespace)  # noqa: S102 - sandboxed on purpose
    solve = namespace.get("solve")
    if not callable(solve):
        return {"error": "NoFunction", "message": "the code defines no function solve(df, tables)"}
    result = solve(df.copy(), {name: frame.copy() for name, frame in tables.items()})
    if isinstance(result, pd.DataFrame) and request.get("keep_columns"):
        result = with_all_columns(result, df)
    if isinstance(result, pd.DataFrame) and request.get("new_column"):
        result = with_new_column_named(result, df, str(request["new_column"]))
    if request.get("order") in ("asc", "desc"):
        result = in_order(result, descending=request["order"] == "desc")
    if isinstance(request.get("decimals"), int):
        result = rounded(result, request["decimals"])
    report: dict[str, Any] = {"ok": True, "python_type": type(result).__name__}
    figure = _figure(result)
    if figure is not None:
        report["python_type"] = "figure"
        result = None
    elif request.get("chart") and isinstance(result, pd.Series | pd.DataFrame):
        figure = _draw(result, str(request.get("title", "")))
    if figure is not None:
        figure.savefig(out / CHART_PNG, dpi=100)
        report["chart"] = CHART_PNG
    if isinstance(result, pd.Series | pd.DataFrame):
        keep_index = isinstance(result, pd.Series) or meaningful_index(result)
        result.to_csv(out / TABLE_CSV, index=keep_index, encoding="utf-8-sig")
        report["table"] = TABLE_CSV
        report["shape"] = list(result.shape)
        report["same_as_input"] = isinstance(result, pd.DataFrame) and result.equals(df)
    report["value"] = to_json_value(result)
    return report


def with_all_columns(result: Any, df: Any) -> Any:
    """`result` with the columns of `df` it dropped put back, for a change that keeps them.

    Asked to add a column, a small model often returns only the key and the new column;
    the rows it kept still carry `df`'s index labels, so the dropped columns can be put
    back exactly. Only when the columns it kept still hold `df`'s values at those labels:
    a re-numbered or grouped result is left for the checks to report.
    """
    missing = [c for c in df.columns if c not in result.columns]
    shared = [c for c in df.columns if c in result.columns]
    index = result.index
    if not missing or not shared or not index.is_unique or not df.index.is_unique:
        return result
    if not index.isin(df.index).all():
        return result
    rows = df.loc[index]
    for column in shared:  # the labels must still point at the same rows
        if not rows[column].reset_index(drop=True).equals(result[column].reset_index(drop=True)):
            return result
    full = rows[missing].join(result)
    order = [c for c in df.columns if c in full.columns]
    return full[order + [c for c in full.columns if c not in order]]


def in_order(result: Any, *, descending: bool) -> Any:
    """A Series of numbers sorted by value, when the question asked for "highest first"
    (「多い順に」) and the program forgot to sort; other results are left as they are."""
    import pandas as pd

    if not isinstance(result, pd.Series) or not pd.api.types.is_numeric_dtype(result):
        return result
    if pd.api.types.is_bool_dtype(result):
        return result
    return result.sort_values(ascending=not descending, kind="stable")


def rounded(result: Any, decimals: int) -> Any:
    """A Series' or table's fractional numbers rounded as the question asked ("two
    decimals"), so the table shown and the file downloaded both follow it."""
    import pandas as pd

    if isinstance(result, pd.Series) and pd.api.types.is_float_dtype(result):
        return result.round(decimals)
    if isinstance(result, pd.DataFrame):
        floats = [c for c in result.columns if pd.api.types.is_float_dtype(result[c])]
        if floats:
            result = result.copy()
            result[floats] = result[floats].round(decimals)
    return result


def with_new_column_named(result: Any, df: Any, name: str) -> Any:
    """The one column `result` added to `df`, renamed to the name the person gave it."""
    added = [c for c in result.columns if c not in df.columns]
    if name in result.columns or len(added) != 1:
        return result
    return result.rename(columns={added[0]: name})


def _failure(error: BaseException) -> dict[str, Any]:
    """The exception as the model should see it: type, message and the line in its code."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == CODE_FILE]
    where = f"line {frames[-1].lineno}: {frames[-1].line}" if frames else ""
    message = str(error) if not isinstance(error, KeyError) else repr(error.args[0])
    if isinstance(error, SyntaxError):
        where = f"line {error.lineno}: {(error.text or '').strip()}"
        message = error.msg
    report = {"error": type(error).__name__, "message": message[:2000], "where": where}
    if isinstance(error, KeyError) and error.args:
        report["key"] = str(error.args[0])
    return report


if __name__ == "__main__":
    sys.exit(main())
