"""`flask --app wsgi ermp search-reindex [PARTNERSHIP_ID]`: make the search index again from the records."""

import click
import sqlalchemy as sa

from app.commands import ermp
from app.extensions import db
from app.partnerships.models import Partnership


@ermp.command("search-reindex")
@click.argument("partnership_id", type=int, required=False)
def search_reindex(partnership_id: int | None) -> None:
    """Index every partnership (or one) again, each in its own transaction."""
    from app.search.indexing import rebuild

    every = sa.select(Partnership.id).order_by(Partnership.id)
    ids = [partnership_id] if partnership_id else list(db.session.scalars(every))
    total = 0
    for one in ids:
        if db.session.get(Partnership, one) is None:
            raise click.ClickException(f"There is no partnership {one}.")
        total += rebuild(one)
        db.session.commit()
    click.echo(f"Indexed {len(ids)} partnership{'' if len(ids) == 1 else 's'}: {total} entries.")
