"""The Alembic migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from phananh.tables import metadata


async def test_migrations_match_the_tables_the_code_declares(engine):
    def diff(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"compare_type": False})
        return compare_metadata(context, metadata)

    async with engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], changes
