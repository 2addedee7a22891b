"""Reports read from `metrics.duckdb` only (codes and counts): HTML, xlsx and a terminal table."""

from ddss.report.html import render_html_report
from ddss.report.terminal import metrics_table
from ddss.report.xlsx import export_report_xlsx

__all__ = ["export_report_xlsx", "metrics_table", "render_html_report"]
