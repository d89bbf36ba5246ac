"""Schemathesis hooks for `cargo xtask test`: the stubs' router against its own OpenAPI export.

The stubs implement nothing, so an operation that is routed answers 501. Any
other answer must be one the export documents for the operation; a method no
operation of the path takes must get Docker's 404 (or a 405), or reach the
operation whose path parameter spans the rest of the path, as on the daemon
(`DELETE /containers/x/archive` is a delete of container `x/archive`): 501,
or 400 for what that operation cannot read.
"""

import schemathesis


@schemathesis.serializer("application/x-tar", "application/octet-stream", "text/plain")
def raw_bytes(ctx, value):
    # Archives and raw bodies: whatever bytes were generated, sent as they are.
    if isinstance(value, bytes):
        return value
    return str(value).encode()


@schemathesis.check
def documented_status_or_501(ctx, response, case):
    status = response.status_code
    if case.method.upper() != case.operation.method.upper():
        if status in (400, 404, 405, 501):
            return None
        raise AssertionError(f"{case.method} on a path without it answered {status}")
    if status == 501:
        return None
    documented = case.operation.definition.raw.get("responses", {})
    if str(status) in documented or "default" in documented:
        return None
    raise AssertionError(f"undocumented status {status}: {response.text[:200]}")
