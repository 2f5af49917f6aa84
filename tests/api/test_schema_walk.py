"""Issue 18's acceptance: the OpenAPI schema validates, and every path and method of it is
walked for every persona with a personal token, the answers held to the access matrix
(tests/security/matrix_api.yaml, the same rows test_access_matrix.py checks with the
session)."""

import json

import pytest
import time_machine
from openapi_spec_validator import validate

from roundtable.accounts import api_tokens
from tests.security.test_access_matrix import (
    MATRIX,
    PERSONAS,
    _assert_cell,
    _fill,
    _world,
    api_request,
)

API_ROWS = [row for row in MATRIX if row.get("schema")]
METHODS = {"get", "post", "put", "patch", "delete"}


def _schema(client, user):
    _token, key = api_tokens.token_create(user=user, name="schema", scope="read")
    response = client.get("/api/schema/?format=json", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_3_and_says_how_to_authenticate(client, staff):
    schema = _schema(client, staff)
    validate(schema)  # raises on any error
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert schemes["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token, made on your account page.",
    }


@pytest.mark.django_db
def test_every_path_and_method_of_the_schema_has_its_row_in_the_matrix(client, staff):
    schema = _schema(client, staff)
    operations = {
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    }
    rows = {(row["schema"], row["method"]) for row in API_ROWS}
    assert operations - rows == set(), "schema operations without a row in matrix_api.yaml"
    assert rows - operations == set(), "matrix_api.yaml rows naming no operation of the schema"


def _cells():
    for row in API_ROWS:
        for persona in PERSONAS:
            label = f"{row['method']} {row['path']} {row.get('state', '')} {persona}"
            yield pytest.param(row, persona, row["expect"][persona], id=label)


@pytest.mark.parametrize(("row", "persona", "expected"), list(_cells()))
def test_schema_operation_with_a_token(
    row, persona, expected, client, personas, dept_a, dept_b, enterprise_1
):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        ids = _world(row.get("state"), personas, dept_a, dept_b, enterprise_1)
        headers = {}
        if persona != "An":
            _token, key = api_tokens.token_create(
                user=personas[persona], name="walk", scope="write"
            )
            headers["Authorization"] = f"Bearer {key}"
        path = _fill(row["path"], ids)
        if row["method"] == "GET":
            response = client.get(path, headers=headers)
        else:
            response = api_request(client, row, path, ids, **headers)
        _assert_cell(response, expected, ids["reference"])
