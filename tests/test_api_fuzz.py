"""The read API fuzzed against its own OpenAPI schema (schemathesis, in-process WSGI).

Every operation of ``/api/schema/`` is called with values generated from
the schema, valid and invalid, on a database holding a few stories with
bylines of every kind, tags, widgets, pictures and corrections: no answer
may be a 5xx, and every answer must be one the schema documents (status,
content type, body). Seeded (``derandomize``) so CI sees the same cases on
every run, and small enough to stay within a few seconds per operation.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_data import API_PATHS, newsroom_stories

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """Django as a WSGI application inside the test's transaction.

    As Django's test client does: a request's end must not close the
    database connection, which holds the test's uncommitted rows.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Per operation and mode (valid values, then invalid ones): 9 operations in about 20 s.
EXAMPLES = 20


def test_every_operation_answers_as_its_schema_says(db, wsgi_app):
    newsroom_stories()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every endpoint of the API is fuzzed, not only those that happen to be listed.
    assert {operation.path for operation in operations} == API_PATHS
    for operation in operations:
        # Invalid values where a parameter has some (a date, a number; any text is a valid slug).
        modes = [GenerationMode.POSITIVE]
        if len(operation.query):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def answers_as_documented(case):
                case.call_and_validate(checks=CHECKS)

            answers_as_documented()
