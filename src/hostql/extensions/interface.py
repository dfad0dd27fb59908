"""osquery's extensions IDL (osquery/extensions/thrift/osquery.thrift) as codec descriptors."""

from __future__ import annotations

from hostql.extensions.thrift_protocol import (
    I32,
    I64,
    ROWS,
    STRING,
    Field,
    ListOf,
    MapOf,
    Struct,
)

# ExtensionCode.
SUCCESS, FAILED, FATAL = 0, 1, 2

EXTENSION_STATUS = Struct(
    "ExtensionStatus",
    (Field(1, "code", I32), Field(2, "message", STRING), Field(3, "uuid", I64)),
)
EXTENSION_RESPONSE = Struct(
    "ExtensionResponse", (Field(1, "status", EXTENSION_STATUS), Field(2, "response", ROWS))
)
EXTENSION_INFO = Struct(
    "InternalExtensionInfo",
    (
        Field(1, "name", STRING),
        Field(2, "version", STRING),
        Field(3, "sdk_version", STRING),
        Field(4, "min_sdk_version", STRING),
    ),
)
OPTION_INFO = Struct(
    "InternalOptionInfo",
    (Field(1, "value", STRING), Field(2, "default_value", STRING), Field(3, "type", STRING)),
)
# registry name -> plugin name -> route (the plugin's list of key/value maps).
EXTENSION_REGISTRY = MapOf(STRING, MapOf(STRING, ListOf(MapOf(STRING, STRING))))


def _result(kind: object | None) -> Struct:
    """The result struct of a method: field 0 'success' (none for void)."""
    return Struct("result", () if kind is None else (Field(0, "success", kind),))


def _args(*fields: Field) -> Struct:
    return Struct("args", fields)


# method name -> (args struct, result struct), for both services (the manager extends Extension).
EXTENSION_METHODS: dict[str, tuple[Struct, Struct]] = {
    "ping": (_args(), _result(EXTENSION_STATUS)),
    "call": (
        _args(
            Field(1, "registry", STRING),
            Field(2, "item", STRING),
            Field(3, "request", MapOf(STRING, STRING)),
        ),
        _result(EXTENSION_RESPONSE),
    ),
    "shutdown": (_args(), _result(None)),
}
MANAGER_METHODS: dict[str, tuple[Struct, Struct]] = {
    **EXTENSION_METHODS,
    "extensions": (_args(), _result(MapOf(I64, EXTENSION_INFO))),
    "options": (_args(), _result(MapOf(STRING, OPTION_INFO))),
    "registerExtension": (
        _args(Field(1, "info", EXTENSION_INFO), Field(2, "registry", EXTENSION_REGISTRY)),
        _result(EXTENSION_STATUS),
    ),
    "deregisterExtension": (_args(Field(1, "uuid", I64)), _result(EXTENSION_STATUS)),
    "query": (_args(Field(1, "sql", STRING)), _result(EXTENSION_RESPONSE)),
    "getQueryColumns": (_args(Field(1, "sql", STRING)), _result(EXTENSION_RESPONSE)),
}


def status(code: int, message: str, uuid: int = 0) -> dict[str, object]:
    """An ExtensionStatus value."""
    return {"code": code, "message": message, "uuid": uuid}


def response(
    code: int, message: str, rows: list[dict[str, str]] | None = None, uuid: int = 0
) -> dict[str, object]:
    """An ExtensionResponse value."""
    return {"status": status(code, message, uuid), "response": rows or []}
