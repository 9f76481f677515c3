"""A refused request body says what is wrong with each field in the reader's language,
not in pydantic's English: what a mobile-app developer or a regency's integrator
shows their users."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError
from smartcity import validation
from smartcity.errors import Message

from tests.conftest import bearer, tenant_token


def _refused(client: Any, url: str, token: str, body: Any, lang: str) -> dict[str, Any]:
    got = client.post(f"{url}?lang={lang}", json=body, headers=bearer(token))
    assert got.status_code == 422, got.get_json()
    return got.get_json()["error"]


def test_a_refused_body_names_each_field_in_both_languages(client: Any, provision: Any) -> None:
    slug = provision()
    token = tenant_token(client, slug)
    users = f"/t/{slug}/api/v1/users"
    person = {"email": f"baru@{slug}.go.id", "name": "Pegawai Baru", "password": "x" * 16}
    missing = _refused(client, users, token, {k: person[k] for k in ("email", "password")}, "id")
    assert missing["localized"] == "ada kolom yang tidak valid pada isi permintaan"
    assert missing["localized_fields"] == {"name": "wajib diisi"}
    assert missing["fields"] == {"name": "required"}
    extra = _refused(client, users, token, person | {"rahasia": 1}, "en")
    assert extra["localized_fields"] == {"rahasia": "not a field of this request"}
    wrong = _refused(client, users, token, person | {"name": 12}, "id")
    assert wrong["localized_fields"] == {"name": "teks"}
    not_object = _refused(client, users, token, [1], "id")
    assert not_object["localized"] == "isi permintaan harus berupa objek JSON"
    assert not_object["localized_fields"] == {"body": "bukan objek JSON"}


class _Sample(BaseModel):
    count: int = Field(ge=1, le=100_000)
    ratio: float = Field(gt=0)
    kind: str = Field(pattern="^(in|out)$")
    items: list[int] = Field(max_length=2)


@pytest.mark.parametrize(
    ("value", "english", "indonesian"),
    [
        ({"count": "x"}, "a whole number", "bilangan bulat"),
        ({"count": 0}, "at least 1", "paling sedikit 1"),
        ({"count": 100_001}, "at most 100000", "paling banyak 100.000"),
        ({"ratio": "NaN"}, "more than 0", "lebih dari 0"),
        ({"ratio": -0.5}, "more than 0", "lebih dari 0"),
        ({"kind": "sideways"}, "not in the expected form", "bentuknya tidak sesuai"),
        ({"items": [1, 2, 3]}, "at most 2 items", "paling banyak 2 butir"),
    ],
)
def test_each_pydantic_error_has_words_in_both_languages(
    app: Any, value: dict[str, Any], english: str, indonesian: str
) -> None:
    good = {"count": 1, "ratio": 1.0, "kind": "in", "items": []}
    with pytest.raises(ValidationError) as refused:
        _Sample.model_validate(good | value)
    (field,) = value
    words = validation.field_problems(refused.value)[field]
    assert isinstance(words, Message) and str(words) == english
    with app.test_request_context("/?lang=id"):
        assert words.localized() == indonesian


def test_a_refused_job_list_query_names_its_fields_in_indonesian(
    client: Any, provision: Any
) -> None:
    slug = provision()
    got = client.get(
        f"/t/{slug}/api/v1/jobs?limit=0&status=lost&lang=id",
        headers=bearer(tenant_token(client, slug)),
    )
    assert got.status_code == 422
    error = got.get_json()["error"]
    assert error["message"] == "the query has invalid fields"
    assert error["fields"]["limit"] == "a number from 1 to 200"
    assert error["localized"] == "ada parameter kueri yang tidak valid"
    assert error["localized_fields"] == {
        "limit": "angka dari 1 sampai 200",
        "status": "salah satu dari queued, running, succeeded, failed, cancelled, expired",
    }


def test_a_wrong_password_for_a_token_is_refused_in_the_readers_language(
    client: Any, provision: Any
) -> None:
    slug = provision()
    wrong = {"email": "admin@example.go.id", "password": "salah-salah-123"}
    for lang, text in (("id", "email atau kata sandi salah"), ("en", "wrong email or password")):
        got = client.post(f"/t/{slug}/api/v1/auth/token?lang={lang}", json=wrong)
        assert got.status_code == 401
        assert got.get_json()["error"]["localized"] == text
