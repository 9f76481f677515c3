"""The one Alembic environment of the platform.

It never opens its own connection: ``smartcity.migrating`` hands it a connection
already inside the caller's transaction (under the tenant's role for a tenant)
and the schema whose ``alembic_version`` table records the versions.
"""

from alembic import context

connection = context.config.attributes["connection"]
schema = context.config.attributes["schema"]
if connection is None:
    raise SystemExit("run migrations through `smartcity migrate`, not the alembic command")

context.configure(
    connection=connection,
    version_table_schema=schema,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
