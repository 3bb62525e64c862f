"""`flask --app wsgi ermp ...`: the product's operational commands.

Features add theirs with `@ermp.command(...)` in their own package (app/jobs/cli.py,
app/plan_versions/cli.py); app/cli.py adds its own and puts the group on the app.
"""

from flask.cli import AppGroup

ermp = AppGroup("ermp", help="Jointly's scheduled and operational commands.")
