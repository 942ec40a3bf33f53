"""Data jobs: a chart script (chart.py) tested in the sandbox, plus a written summary."""

from support_system.generators.data.generator import ChartComment, DataGenerator, chart_data

__all__ = ["ChartComment", "DataGenerator", "chart_data"]
