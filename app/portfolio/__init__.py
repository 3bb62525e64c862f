"""The portfolio dashboard: every partnership of the user's organisation they are a
member of, with totals, sorting, filtering and columns other features contribute.

The page itself is `partnerships.home`; features add columns with
`app.portfolio.metrics.register_metric`.
"""
