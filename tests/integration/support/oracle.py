# SPDX-License-Identifier: Apache-2.0
"""The AWS service model as a test oracle (STYLE A2).

Loads botocore's lambda/2015-03-31/service-2.json (Debian's python3-botocore) plus
service_model_overlay.json (members newer than that botocore), and checks every response body a
test receives against the operation's output shape: JSON types, enums, length and value bounds,
patterns, required members, and no member the shape does not know. Error responses are checked
for the X-Amzn-ErrorType header and, when the code is a modelled error shape, against that shape
(which fixes the Message/message casing and the Type member, facts §3.1).

Request parameters sent through boto3 are already checked by botocore's client-side validation;
raw requests bypass it on purpose (they test the server's own validation).
"""

import base64
import functools
import json
import pathlib
import re

import botocore
import botocore.loaders

OVERLAY_PATH = pathlib.Path(__file__).with_name("service_model_overlay.json")

# Errors the server may answer with that service-2.json does not model (facts §3.1 and the
# server's own routing errors). Their bodies carry one message member and at most Type.
UNMODELLED_ERRORS = {
    "ValidationException",
    "RequestEntityTooLargeException",
    "UnknownOperationException",
    "NotImplementedException",
}


class ShapeViolation(AssertionError):
    """A response the service model says a client must not receive."""


def _merge_overlay(shapes, overlay):
    for name, extra in overlay["shapes"].items():
        shape = shapes.get(name)
        if shape is None:
            shapes[name] = extra
            continue
        for member, definition in extra.get("members", {}).items():
            shape["members"].setdefault(member, definition)
        if "enum" in extra:
            shape["enum"] = list(shape.get("enum", [])) + [
                value for value in extra["enum"] if value not in shape.get("enum", [])
            ]


class ServiceModel:
    """service-2.json with the overlay applied, and a recursive validator over its shapes."""

    def __init__(self):
        self.model = botocore.loaders.Loader().load_service_model("lambda", "service-2")
        _merge_overlay(self.model["shapes"], json.loads(OVERLAY_PATH.read_text()))
        self.shapes = self.model["shapes"]
        self.operations = self.model["operations"]
        self.botocore_version = botocore.__version__

    # --- generic shape validation -------------------------------------------------------

    def validate(self, shape_name, value, where="$"):
        """Returns the list of problems of `value` (parsed JSON) against shape `shape_name`."""
        problems = []
        self._validate(self.shapes[shape_name], value, where, problems)
        return problems

    def _validate(self, shape, value, where, problems):
        kind = shape["type"]
        check = getattr(self, f"_check_{kind}", None)
        if check is None:
            problems.append(f"{where}: the validator has no rule for shape type {kind}")
            return
        check(shape, value, where, problems)

    def _check_structure(self, shape, value, where, problems, body_only=False):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {type(value).__name__}")
            return
        members = {}
        for name, member in shape.get("members", {}).items():
            if body_only and "location" in member:
                continue
            members[member.get("locationName", name) if body_only else name] = member
        for key, item in value.items():
            member = members.get(key)
            if member is None:
                problems.append(f"{where}: member {key!r} is not in the shape")
                continue
            self._validate(self.shapes[member["shape"]], item, f"{where}.{key}", problems)
        for required in shape.get("required", []):
            if required in members and required not in value:
                problems.append(f"{where}: required member {required!r} is missing")

    def _check_list(self, shape, value, where, problems):
        if not isinstance(value, list):
            problems.append(f"{where}: expected an array, got {type(value).__name__}")
            return
        self._check_bounds(shape, len(value), where, problems, "length")
        item_shape = self.shapes[shape["member"]["shape"]]
        for index, item in enumerate(value):
            self._validate(item_shape, item, f"{where}[{index}]", problems)

    def _check_map(self, shape, value, where, problems):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object (map), got {type(value).__name__}")
            return
        self._check_bounds(shape, len(value), where, problems, "size")
        key_shape = self.shapes[shape["key"]["shape"]]
        value_shape = self.shapes[shape["value"]["shape"]]
        for key, item in value.items():
            self._validate(key_shape, key, f"{where} key {key!r}", problems)
            self._validate(value_shape, item, f"{where}[{key!r}]", problems)

    def _check_string(self, shape, value, where, problems):
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string, got {type(value).__name__} {value!r}")
            return
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"{where}: {value!r} is not in the enum {shape['enum']}")
        self._check_bounds(shape, len(value), where, problems, "length")
        pattern = shape.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            problems.append(f"{where}: {value!r} does not match the pattern {pattern}")

    def _check_integer(self, shape, value, where, problems):
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
            return
        self._check_bounds(shape, value, where, problems, "value")

    _check_long = _check_integer

    def _check_float(self, shape, value, where, problems):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{where}: expected a number, got {type(value).__name__} {value!r}")
            return
        self._check_bounds(shape, value, where, problems, "value")

    _check_double = _check_float

    def _check_boolean(self, shape, value, where, problems):
        if not isinstance(value, bool):
            problems.append(f"{where}: expected a boolean, got {type(value).__name__} {value!r}")

    def _check_timestamp(self, shape, value, where, problems):
        # rest-json bodies carry timestamps as epoch seconds unless the shape says otherwise.
        if shape.get("timestampFormat", "unixTimestamp") == "unixTimestamp":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{where}: expected epoch seconds, got {value!r}")
        elif not isinstance(value, str):
            problems.append(f"{where}: expected a timestamp string, got {value!r}")

    def _check_blob(self, shape, value, where, problems):
        if not isinstance(value, str):
            problems.append(f"{where}: expected a base64 string, got {type(value).__name__}")
            return
        try:
            base64.b64decode(value, validate=True)
        except ValueError:
            problems.append(f"{where}: not valid base64")

    @staticmethod
    def _check_bounds(shape, measure, where, problems, what):
        if "min" in shape and measure < shape["min"]:
            problems.append(f"{where}: {what} {measure} is below the minimum {shape['min']}")
        if "max" in shape and measure > shape["max"]:
            problems.append(f"{where}: {what} {measure} is above the maximum {shape['max']}")

    # --- operation responses ------------------------------------------------------------

    def operation_for_cli_command(self, command):
        """'get-function-configuration' -> 'GetFunctionConfiguration'."""
        for name in self.operations:
            if botocore.xform_name(name, "-") == command:
                return name
        return None

    def output_problems(self, operation, body):
        """Problems of a parsed success body against the operation's output shape."""
        output = self.operations[operation].get("output")
        if output is None:
            if body not in (None, {}):
                return [f"{operation} has no output shape, but the body is {body!r}"]
            return []
        shape = self.shapes[output["shape"]]
        if "payload" in shape:
            return []  # Invoke-style raw payloads are the function's business, not the model's
        problems = []
        self._check_structure(shape, body, "$", problems, body_only=True)
        return problems

    def response_problems(self, operation, status, headers, raw_body):
        """Problems of one HTTP response (status, header mapping, body bytes) to `operation`."""
        problems = []
        if status >= 300:
            return self.error_problems(status, headers, raw_body)
        expected = self.operations[operation]["http"].get("responseCode", 200)
        if operation != "Invoke" and status != expected:
            problems.append(f"status {status}, the model says {expected}")
        output = self.operations[operation].get("output")
        if output is None or "payload" in self.shapes[output["shape"]]:
            return problems
        if not raw_body:
            # A body-less answer (204) is what an output without body members looks like.
            if _body_members(self.shapes[output["shape"]]):
                problems.append("empty body, but the output shape has body members")
            return problems
        try:
            body = json.loads(raw_body)
        except ValueError as error:
            return problems + [f"body is not JSON ({error}): {raw_body[:200]!r}"]
        if isinstance(body, dict):
            # AWS also echoes a status-code member in the body: InvokeAsync answers 202 with
            # {"Status":202} (facts §2.1), though the model binds Status to the HTTP status.
            shape = self.shapes[output["shape"]]
            for name, member in shape.get("members", {}).items():
                if member.get("location") == "statusCode" and body.get(name) == status:
                    del body[name]
        return problems + self.output_problems(operation, body)

    def error_problems(self, status, headers, raw_body):
        """Every modelled error shape is checked, not only the operation's list: the model's
        lists are incomplete (ValidationException is in none of them)."""
        problems = []
        code = _header(headers, "X-Amzn-ErrorType")
        if not code:
            return [f"error status {status} without an X-Amzn-ErrorType header"]
        code = code.split(":")[0]
        try:
            body = json.loads(raw_body)
        except ValueError as error:
            return [f"{code} body is not JSON ({error}): {raw_body[:200]!r}"]
        if not isinstance(body, dict):
            return [f"{code} body is not an object: {body!r}"]
        shape = self.shapes.get(code)
        if shape is not None and shape.get("exception"):
            modelled = shape.get("error", {}).get("httpStatusCode")
            if modelled is not None and modelled != status:
                problems.append(f"{code} came with status {status}, the model says {modelled}")
            self._check_structure(shape, body, code, problems, body_only=True)
        elif code in UNMODELLED_ERRORS:
            unknown = set(body) - {"Type", "message", "Message"}
            if unknown:
                problems.append(f"{code}: unexpected members {sorted(unknown)}")
            if not any(isinstance(body.get(key), str) for key in ("message", "Message")):
                problems.append(f"{code}: no message member in {body!r}")
        else:
            problems.append(f"error code {code!r} is neither modelled nor known to the tests")
        return problems

    def check_response(self, operation, status, headers, raw_body):
        problems = self.response_problems(operation, status, headers, raw_body)
        if problems:
            raise ShapeViolation(
                f"{operation} response ({status}) violates service-2.json "
                f"(botocore {self.botocore_version} + overlay):\n  "
                + "\n  ".join(problems)
                + f"\nbody: {raw_body[:1000]!r}"
            )

    def boto_after_call(self, http_response, model, **_):
        """botocore 'after-call.lambda' handler: validates the raw HTTP response of every call
        (success and error) before botocore's parser drops members it does not know. A
        successful streaming output (Invoke's Payload) is the function's business and is left
        unread: reading `content` here would drain the stream the caller reads."""
        status = http_response.status_code
        streaming = model.has_streaming_output and status < 300
        body = b"" if streaming else http_response.content
        self.check_response(model.name, status, http_response.headers, body)


def _body_members(shape):
    return [name for name, member in shape.get("members", {}).items() if "location" not in member]


def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


@functools.lru_cache(maxsize=None)
def _compiled(pattern):
    return re.compile(pattern)


@functools.lru_cache(maxsize=1)
def service_model():
    return ServiceModel()
