"""Data jobs: a chart script (chart.py) tested in the sandbox, plus a written summary."""

from support_system.generators.chart.generator import ChartComment, ChartGenerator, chart_data

__all__ = ["ChartComment", "ChartGenerator", "chart_data"]
