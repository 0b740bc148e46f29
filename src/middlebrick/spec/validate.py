"""Validating a document with openapi-spec-validator, reduced to one line that names the place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import validator_for
from jsonschema_path import SchemaPath
from openapi_spec_validator import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.schemas import schema_v2, schema_v30, schema_v31, schema_v32
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from middlebrick.errors import SpecError
from middlebrick.spec.refs import broken_ref, pointer_of

MAX_MESSAGE = 160


def validator_class(version: str) -> type[Any]:
    """The validator for a version string, or SpecError when it is not one we support."""
    if version == "2.0":
        return OpenAPIV2SpecValidator
    for prefix, cls in (("3.0.", OpenAPIV30SpecValidator), ("3.1.", OpenAPIV31SpecValidator),
                        ("3.2.", OpenAPIV32SpecValidator)):
        if version.startswith(prefix) and version[len(prefix):].isdigit():
            return cls
    raise SpecError(f"unsupported OpenAPI version {version!r} (2.0, 3.0.x and 3.1.x are)")


def validate_document(
    document: Mapping[str, Any],
    documents: Mapping[str, Any],
    *,
    version: str,
    uri: str,
    source: str,
) -> None:
    """Raise SpecError with a JSON pointer when the document is not valid OpenAPI."""
    try:
        cls = validator_class(version)
    except SpecError as exc:
        raise SpecError(str(exc), source=source) from None
    broken = broken_ref(documents, uri)
    if broken is not None:
        where, ref = broken
        shown = ref[len(uri) :] if ref.startswith(f"{uri}#") else ref
        raise SpecError(f"unresolvable reference {_one_line(shown)}", source=source, pointer=where)

    def retrieve(target: str) -> Any:
        # Every reference was loaded already; the validator must not fetch anything itself.
        found = documents.get(urldefrag(target)[0])
        if found is None:
            raise ValueError(f"unknown document {target}")
        return found

    handlers = {"file": retrieve, "http": retrieve, "https": retrieve}
    path = SchemaPath.from_dict(document, base_uri=uri, handlers=handlers)
    try:
        error = next(iter(cls(path).iter_errors()), None)
    except RecursionError:
        # The structural pass runs first and found nothing; the validator's semantic pass loops
        # on schemas that recurse through allOf/items, which are legitimate. Accept those.
        return
    except Exception as exc:  # the validator raises many kinds for odd documents
        raise SpecError(_one_line(f"cannot validate: {exc}"), source=source) from None
    if error is None:
        return
    if type(error) is OpenAPIValidationError:
        # A structural error: the pure-Python validator explains it better than a fast backend.
        error = _explained(document, version) or error
    raise SpecError(_message(error), source=source, pointer=_pointer(error))


def _explained(document: Mapping[str, Any], version: str) -> ValidationError | None:
    schema = dict(_META_SCHEMAS[version[:3]])
    found = best_match(validator_for(schema)(schema).iter_errors(document))
    while found is not None and found.context:
        # Skip the "it could be a $ref instead" branch: the author meant the real thing.
        context = [e for e in found.context if "'$ref'" not in e.message] or found.context
        found = best_match(context)
    return found


def _pointer(error: ValidationError) -> str | None:
    parts = list(error.absolute_path)
    if parts:
        return pointer_of(parts)
    # Keyword errors carry no path, but their message names the operation.
    match = _OPERATION_IN_MESSAGE.search(error.message)
    if match:
        return pointer_of(["paths", match.group("path"), match.group("method")])
    return None


def _message(error: ValidationError) -> str:
    text = error.message.split("\n\n")[0]
    # Messages start with the offending value, which can be a whole subtree: name it instead.
    cut = max((text.rfind(phrase) for phrase in _PHRASES), default=-1)
    if cut > 40:
        text = "value" + text[cut:]
    return _one_line(text)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


_META_SCHEMAS = {"2.0": schema_v2, "3.0": schema_v30, "3.1": schema_v31, "3.2": schema_v32}
_OPERATION_IN_MESSAGE = re.compile(r"for '(?P<method>[a-z]+)'(?: operation)? in '(?P<path>[^']+)'")
_PHRASES = (
    " is not valid under any of", " is valid under each of", " is not of type", " is not one of",
    " does not match", " is too long", " is too short", " is not a ", " has non-unique",
    " is less than", " is greater than", " should not be valid", " is not allowed for",
    " was expected", " is a required property",
)  # fmt: skip
