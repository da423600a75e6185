"""OpenAPI additions: the bearer scheme and the shared error body on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from auth/wechat/ or auth/alipay/."}


def add_error_responses(result, generator, request, public):
    """Every operation the mini program calls documents the common error body for the 4xx it may answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if "notify" in operation.get("tags", []):
                continue  # called by a platform, answered in its own format: each documents its own
            responses = operation.setdefault("responses", {})
            for code, text in (
                ("400", "Invalid input"),
                ("401", "Not authenticated"),
                ("404", "Not found"),
                ("429", "Rate limited"),
            ):
                responses.setdefault(code, {"description": text, "content": {"application/json": {"schema": ref}}})
            if "requestBody" in operation:  # a body of a type the route does not parse
                responses.setdefault(
                    "415",
                    {"description": "Unsupported media type", "content": {"application/json": {"schema": ref}}},
                )
    return result
