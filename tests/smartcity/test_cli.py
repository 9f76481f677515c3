"""The `smartcity` command: clear errors for bad arguments, nothing half-written."""

from __future__ import annotations

import pytest
from smartcity.cli import main
from smartcity.db import db
from sqlalchemy import text

from tests.conftest import PASSWORD, take_region, unique_slug


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), env={"SMARTCITY_ADMIN_PASSWORD": PASSWORD})

    return invoke


def _tenant_count(slug: str) -> int:
    with db.engine.connect() as conn:
        count = conn.scalar(
            text("SELECT count(*) FROM platform.tenants WHERE slug = :s"), {"s": slug}
        )
        conn.rollback()
    return int(count)


def test_create_list_suspend_and_apps(cli):
    slug = unique_slug("cli")
    take_region("35.21")
    created = cli(
        "tenants",
        "create",
        "--slug",
        slug,
        "--name",
        "Kabupaten Ngawi",
        "--region",
        "35.21",
        "--app",
        "noticeboard",
        "--admin-email",
        "admin@ngawi.go.id",
    )
    assert created.exit_code == 0, created.output
    listing = cli("tenants", "list")
    line = next(row for row in listing.output.splitlines() if row.startswith(slug))
    assert "35.21" in line and "active" in line and "[noticeboard]" in line
    assert cli("tenants", "enable-app", slug, "digest").exit_code == 0
    blocked = cli("tenants", "disable-app", slug, "noticeboard")
    assert blocked.exit_code != 0 and "required by digest" in blocked.output
    assert cli("tenants", "suspend", slug, "--reason", "unpaid").exit_code == 0
    again = cli("tenants", "suspend", slug, "--reason", "unpaid")
    assert again.exit_code != 0 and "cannot suspend a tenant that is suspended" in again.output
    assert "suspended" in next(
        r for r in cli("tenants", "list").output.splitlines() if r.startswith(slug)
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--slug", "Pati"), "slug"),
        (("--slug", "../x"), "slug"),
        (("--region", "99.99"), "region_code"),
        (("--app", "unknown-app"), "apps"),
        (("--admin-email", "nobody"), "admin.email"),
    ],
)
def test_bad_arguments_say_which_and_create_nothing(cli, args, expected):
    values = {
        "--slug": unique_slug("bad"),
        "--name": "Kabupaten X",
        "--region": "33.18",
        "--admin-email": "admin@x.go.id",
    }
    extra: list[str] = []
    for key, value in zip(args[::2], args[1::2], strict=True):
        if key == "--app":
            extra += [key, value]
        else:
            values[key] = value
    flat = [item for pair in values.items() for item in pair] + extra
    result = cli("tenants", "create", *flat)
    assert result.exit_code != 0
    assert expected in result.output
    assert _tenant_count(values["--slug"]) == 0


def test_unknown_tenant_is_a_clear_error(cli):
    result = cli("tenants", "resume", "no-such-regency")
    assert result.exit_code != 0 and "no tenant 'no-such-regency'" in result.output


def test_a_region_whose_regency_was_archived_is_provisioned_again_only_when_asked(cli, tmp_path):
    code = take_region("35.18")
    first, second = unique_slug("nganjuk"), unique_slug("nganjuk-baru")
    common = ["--name", "Kabupaten Nganjuk", "--region", code, "--admin-email", "a@nganjuk.go.id"]
    assert cli("tenants", "create", "--slug", first, *common).exit_code == 0
    taken = cli("tenants", "create", "--slug", second, *common)
    assert taken.exit_code != 0 and "already has a regency" in taken.output
    archived = cli("tenants", "archive", first, "--out", str(tmp_path))
    assert archived.exit_code == 0, archived.output
    unconfirmed = cli("tenants", "create", "--slug", second, *common)
    assert unconfirmed.exit_code != 0 and "re-provisioning" in unconfirmed.output
    again = cli("tenants", "create", "--slug", second, *common, "--reprovision", "--standard-units")
    assert again.exit_code == 0, again.output
    assert _tenant_count(second) == 1
