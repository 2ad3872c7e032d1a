"""The IPTC ninjs JSON Schemas (tests/schemas/), checked offline, formats included.

The schemas declare draft 2020-12, which jsonschema knows without fetching
it; their one remote reference (GeoJSON, for ``places``) is refused rather
than fetched, so a document that needed it fails loudly instead of reaching
for the network. jsonschema checks "uri" and "date-time" only with extra
packages, so both are checked here.
"""

import datetime
import functools
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.exceptions import NoSuchResource

SCHEMAS = Path(__file__).parent / "schemas"
# RFC 3986: a scheme, a colon, then no spaces or controls.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f]*$")


def _offline(uri):
    raise NoSuchResource(ref=uri)


formats = FormatChecker()


@formats.checks("uri")
def _is_uri(value):
    return not isinstance(value, str) or bool(_URI.match(value))


@formats.checks("date-time", raises=ValueError)
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) is not None


@functools.cache
def validator(version):
    schema = json.loads((SCHEMAS / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=Registry(retrieve=_offline), format_checker=formats)


def errors(document, version):
    """Every way ``document`` breaks the ninjs ``version`` schema, as readable lines (empty: valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(document)'}: {error.message}"
        for error in validator(version).iter_errors(document)
    ]
