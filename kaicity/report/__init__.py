"""Reports: ``summary.json``, CSVs, Markdown and PNG plots for runs and comparisons.

One module per report: :mod:`~kaicity.report.run` (one run), :mod:`~kaicity.report.comparison`
(paired runs of several scenarios); :mod:`~kaicity.report.common` formats numbers.
"""

from kaicity.report.common import GROUP_ROWS, flatten
from kaicity.report.comparison import (
    HEADLINE,
    _needs_and_time_verdict,
    comparison_table,
    pairing,
    pairing_line,
    plot_comparison,
    write_comparison,
)
from kaicity.report.run import plot_run, run_markdown, write_run

__all__ = ["GROUP_ROWS", "HEADLINE", "_needs_and_time_verdict", "comparison_table", "flatten", "pairing",
           "pairing_line", "plot_comparison", "plot_run", "run_markdown", "write_comparison", "write_run"]
