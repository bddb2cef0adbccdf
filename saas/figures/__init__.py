"""Figures from one place (统计指标): every module declares its figures (saas.figures.declare),
a periodic job keeps them per street per day (``DailyFigure``), and the dashboard and the monthly
and quarterly reports read those days (saas.figures.store), so a number means the same everywhere
and a year's report is a sum of days, never a scan of the ledger."""
