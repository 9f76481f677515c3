"""Work inside one tenant from a platform transaction (provisioning, enabling apps).

The tenant's own requests never need this: their sessions carry the role and
schema from the start (see ``smartcity.db.tenant_bind``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from smartcity.tenancy.names import quote_ident


@contextmanager
def as_tenant(connection: Connection, schema: str, role: str) -> Iterator[Session]:
    """Switch this transaction to the tenant's role and schema, and back afterwards.

    Yields an ORM session on the same connection, so whatever it writes belongs
    to the caller's transaction. On an error nothing is reset: the transaction
    is doomed and its rollback undoes the role switch as well.
    """
    connection.execute(text(f"SET LOCAL ROLE {quote_ident(role)}"))
    connection.execution_options(schema_translate_map={None: schema})
    session = Session(bind=connection, expire_on_commit=False)
    yield session
    session.flush()
    session.close()
    connection.execution_options(schema_translate_map=None)
    connection.execute(text("SET LOCAL ROLE NONE"))
