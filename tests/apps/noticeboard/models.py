from __future__ import annotations

from smartcity.toolkit import tenant_metadata
from sqlalchemy import BigInteger, Identity, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = tenant_metadata()
    type_annotation_map = {int: BigInteger}


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
