# SPDX-License-Identifier: Apache-2.0
"""lambdahost's Python runtime client: the process behind every python3.x function.

It speaks the Lambda Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API exactly as AWS's
awslambdaric does, so functions written for AWS run unchanged: it imports the handler named by
$_HANDLER, then loops on GET /invocation/next, calls handler(event, context) and posts the result
or AWS's error JSON. Init failures go to /init/error and the process exits 1.

Standard library only, and nothing heavy imported before the first invoke: this file's start-up
is part of every cold start. One thread; one keep-alive HTTP connection to the Runtime API.
"""

import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

_API_PREFIX = "/2018-06-01/runtime"
_MAX_LINE = 64 * 1024 + 2  # longest status or header line read
_XRAY_MAX_HEADER_BYTES = 1024 * 1024  # AWS drops the X-Ray cause header at 1 MiB
_ERROR_LOG_INDENT = "\u00a0"  # AWS indents traceback lines with NO-BREAK SPACE in logs
_LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html")


class FaultException(Exception):
    """A failure the runtime itself diagnoses; its type is one of AWS's Runtime.* names."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# --- Runtime API client -----------------------------------------------------------------------


class Invocation:
    """One event from GET /invocation/next (`headers` has lower-case names)."""

    def __init__(self, headers, body):
        self.request_id = headers.get("lambda-runtime-aws-request-id")
        self.deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.trace_id = headers.get("lambda-runtime-trace-id")
        self.client_context = headers.get("lambda-runtime-client-context")
        self.cognito_identity = headers.get("lambda-runtime-cognito-identity")
        self.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        self.content_type = headers.get("content-type")
        self.body = body


class RuntimeApiClient:
    """HTTP/1.1 to the Runtime API over one kept-alive TCP connection, reconnecting once when
    the server has closed it.

    Plain sockets rather than http.client: importing http.client pulls in email.parser and ssl,
    about 60 ms of every cold start here (AWS's own client avoids it for the same reason). The
    Runtime API needs only the small part of HTTP/1.1 below: Content-Length or chunked bodies,
    Connection: close.

    An invocation's outcome is posted together with the next GET /invocation/next, in one write
    (as lambdahost's node and C++ clients do): one wakeup of each side per invoke instead of two.
    The Runtime API answers a connection's requests in order, so the POST's answer is read
    first; when it closes the connection (a "Connection: close" 413), the GET was not read and is
    sent again on a new one."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._endpoint = (host, int(port))
        self._host_header = address.encode("ascii")
        self._socket = None
        self._reader = None
        self._next = self._message("GET", _API_PREFIX + "/invocation/next")

    def next_invocation(self, outcome=None):
        """The next event; `outcome` (from result() or error(): the POST with this GET after
        it) goes in the same write."""
        if outcome is None:
            status, headers, body = self._request(self._next)
        else:
            path, post_then_next = outcome
            status, _, answer = self._request(post_then_next)
            self._check_posted(path, status, answer)
            status, headers, body = self._read_next()
        if status != 200:
            raise RuntimeError(f"Runtime API GET /invocation/next returned {status}: {body!r}")
        return Invocation(headers, body)

    def result(self, request_id, body, content_type):
        """The POST of an invocation's result, for next_invocation()."""
        return self._post_message(f"/invocation/{request_id}/response", body,
                                  {"Content-Type": content_type}, self._next)

    def error(self, request_id, error_result, xray_fault):
        """The POST of an invocation's error, for next_invocation()."""
        headers = _error_headers(error_result)
        xray = json.dumps(xray_fault)  # ASCII-only, so it is a valid header value
        if len(xray) < _XRAY_MAX_HEADER_BYTES:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray
        return self._post_message(f"/invocation/{request_id}/error", to_json(error_result),
                                  headers, self._next)

    def post_init_error(self, error_result):
        path, post = self._post_message("/init/error", to_json(error_result),
                                        _error_headers(error_result))
        status, _, answer = self._request(post)
        self._check_posted(path, status, answer)

    def _post_message(self, path, body, headers, then=b""):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return path, self._message("POST", _API_PREFIX + path, body, headers, then)

    @staticmethod
    def _check_posted(path, status, answer):
        if status != 202:
            # The server has settled this invocation (e.g. 413 for an oversized response):
            # say so in the log and carry on with the next one.
            sys.stderr.write(f"Runtime API POST {path} returned {status}: "
                             f"{answer.decode('utf-8', 'replace')}\n")

    def _read_next(self):
        """The answer to the GET written after a POST: read on the same connection, or, when
        that is gone without it, asked for again on a new one (once)."""
        if self._socket is not None:
            try:
                return self._read_response()
            except (ConnectionError, _EmptyReply):
                self._close()
        return self._request(self._next)  # a new connection: not retried

    def _message(self, method, path, body=None, headers=None, then=b""):
        """The bytes of one request, followed by `then` (one join: the body is copied once)."""
        lines = [f"{method} {path} HTTP/1.1".encode("ascii"), b"Host: " + self._host_header]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}".encode("utf-8"))
        if body is not None:
            lines.append(b"Content-Length: %d" % len(body))
        return b"".join((b"\r\n".join(lines), b"\r\n\r\n", body or b"", then))

    def _request(self, message):
        """Writes `message` (one or more requests) and reads the first answer. A kept-alive
        connection the server closed before answering is replaced and `message` written again,
        once."""
        for attempt in (1, 2):
            reused = self._socket is not None
            if not reused:
                self._connect()
            try:
                self._socket.sendall(message)
                return self._read_response()
            except (ConnectionError, _EmptyReply):
                self._close()
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connect(self):
        self._socket = socket.create_connection(self._endpoint)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._socket.makefile("rb")

    def _close(self):
        if self._socket is not None:
            self._reader.close()
            self._socket.close()
        self._socket = self._reader = None

    def _read_response(self):
        status_line = self._reader.readline(_MAX_LINE)
        if not status_line:
            raise _EmptyReply("the Runtime API closed the connection")
        status = int(status_line.split(None, 2)[1])
        headers = {}
        while True:
            line = self._reader.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            headers[name.strip().decode("latin-1").lower()] = value.strip().decode(
                "utf-8", "replace")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        else:
            body = self._read_exactly(int(headers.get("content-length") or 0))
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self._reader.readline(_MAX_LINE).split(b";", 1)[0], 16)
            if size == 0:
                break
            chunks.append(self._read_exactly(size))
            self._reader.readline(_MAX_LINE)  # the CRLF after each chunk
        while self._reader.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _read_exactly(self, size):
        data = self._reader.read(size)
        if len(data) != size:
            raise _EmptyReply("the Runtime API closed the connection mid-body")
        return data


class _EmptyReply(ConnectionError):
    """The server closed a kept-alive connection before answering."""


def _error_headers(error_result):
    headers = {"Content-Type": "application/json"}
    error_type = error_result.get("errorType") or ""
    if error_type.isascii() and error_type.isprintable():
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    return headers


# --- JSON marshalling -------------------------------------------------------------------------


def _json_default(obj):
    # AWS's runtime writes Decimals (boto3's DynamoDB numbers) as numbers. The standard library
    # cannot emit raw number text, so integral Decimals become ints and the rest floats.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        exact_int = obj.is_finite() and obj == obj.to_integral_value()
        return int(obj) if exact_int else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


# AWS: python3.12 and later keep non-ASCII characters as they are; other runtimes escape them.
_ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV") not in {
    f"AWS_Lambda_python3.{minor}" for minor in range(12, 16)
}


def to_json(obj):
    return json.dumps(obj, default=_json_default, ensure_ascii=_ENSURE_ASCII)


def unmarshal_event(body, content_type):
    if content_type not in (None, "", "application/json"):
        return body
    try:
        return json.loads(body)
    except Exception as error:
        raise FaultException(FaultException.UNMARSHAL_ERROR,
                             f"Unable to unmarshal input: {error}") from None


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response), "application/json"
    except Exception as error:
        raise FaultException(FaultException.MARSHAL_ERROR,
                             f"Unable to marshal response: {error}") from None


# --- The context object -----------------------------------------------------------------------


def _object_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
                f"cognito_identity_pool_id={self.cognito_identity_pool_id}])")


class Client:
    __slots__ = [
        "installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"
    ]

    def __repr__(self):
        return "Client([" + ",".join(f"{f}={getattr(self, f)}" for f in self.__slots__) + "])"


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as error:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
                             f"Unable to parse {name} JSON: {error}") from None


class LambdaContext:
    """The `context` argument, with AWS's attribute names and types (memory is a string)."""

    def __init__(self, invocation):
        self.aws_request_id = invocation.request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invocation.invoked_function_arn
        self.tenant_id = invocation.tenant_id

        client_context = None
        if invocation.client_context:
            client_context = _parse_json_header(invocation.client_context, "Client Context")
        self.client_context = _object_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object_from_dict(Client, self.client_context.client)

        # AWS: `identity` is always an object; its fields are None without a Cognito identity.
        self.identity = _object_from_dict(CognitoIdentity, {})
        if invocation.cognito_identity:
            cognito = _parse_json_header(invocation.cognito_identity, "Cognito Identity")
            self.identity.cognito_identity_id = cognito.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito.get("cognitoIdentityPoolId")

        self._deadline_ms = invocation.deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        fields = ("aws_request_id", "log_group_name", "log_stream_name", "function_name",
                  "memory_limit_in_mb", "function_version", "invoked_function_arn",
                  "client_context", "identity", "tenant_id")
        return "LambdaContext([" + ",".join(f"{f}={getattr(self, f)}" for f in fields) + "])"


# --- Errors -----------------------------------------------------------------------------------


def make_error(error_message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": error_message or "",
        "errorType": error_type or "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace or [],
    }


def _user_frames(tb):
    """The traceback as (file, line, function, text) tuples, from the first frame that is not
    this file's (AWS hides its own frames)."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for index, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            return frames[index:]
    return frames


def build_fault_result(exc_info, request_id=None):
    error_type, value, tb = exc_info
    frames = _user_frames(tb)
    return make_error(str(value), error_type.__name__, traceback.format_list(frames),
                      request_id), frames


def make_xray_fault(error_type, message, frames):
    return {
        "working_directory": os.getcwd(),
        "exceptions": [{
            "message": message,
            "type": error_type,
            "stack": [{"label": name, "path": path, "line": line}
                      for path, line, name, _ in frames],
        }],
        "paths": sorted({path for path, _, _, _ in frames}),
    }


def _log_error_text(error_result):
    description = "[ERROR]"
    if error_result["errorType"]:
        description += " " + error_result["errorType"]
    if error_result["errorMessage"]:
        description += (":" if error_result["errorType"] else "") + " " + error_result["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error_result["stackTrace"]:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append(_ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    # AWS joins the lines with "\n" in the one log frame it sends to CloudWatch (and with "\r"
    # only when it has no telemetry channel): print what CloudWatch and Tail show.
    sys.stdout.write("\n".join(lines) + "\n")


def _log_error_json(error_result):
    record = {"timestamp": _utc_timestamp(time.time()), "level": "ERROR", **error_result}
    sys.stdout.write(to_json(record) + "\n")


# --- Logging ----------------------------------------------------------------------------------

_LOG_FORMAT_JSON = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
log_error = _log_error_json if _LOG_FORMAT_JSON else _log_error_text
_current_request_id = None


def _utc_timestamp(seconds):
    return time.strftime(_LOG_DATE_FORMAT, time.gmtime(seconds)) + f".{int(seconds % 1 * 1000):03d}Z"


class Unbuffered:
    """Flushes after every write, so output reaches the log as it is printed (as on AWS)."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _current_request_id or ""
        return True


_JSON_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated",
    "thread", "threadName", "processName", "process", "aws_request_id", "taskName"
}


class _JsonFormatter(logging.Formatter):
    """AWS's JSON log record: timestamp, level, message, logger, requestId (+ exception)."""

    def format(self, record):
        exc = record.exc_info
        result = {
            "timestamp": _utc_timestamp(record.created),
            "level": logging.getLevelName(min(50, max(0, record.levelno)) // 10 * 10),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        result.update((key, value) for key, value in record.__dict__.items()
                      if key not in _JSON_RESERVED_FIELDS and key not in result)
        return json.dumps({k: v for k, v in result.items() if v is not None},
                          default=str, ensure_ascii=False) + "\n"


def setup_logging():
    """The root logger as AWS configures it: one handler writing
    "[LEVEL]\\t<UTC time>\\t<request id>\\t<message>" to stdout (JSON records when
    AWS_LAMBDA_LOG_FORMAT=JSON). The level stays WARNING unless AWS_LAMBDA_LOG_LEVEL says."""
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    if _LOG_FORMAT_JSON:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                _LOG_DATE_FORMAT))
    handler.addFilter(_RequestIdFilter())
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level
    root = logging.getLogger()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)
    root.addHandler(handler)


# --- Handler loading and the invoke loop ------------------------------------------------------


def setup_sys_path():
    """The function's code first, then layers, as on AWS; never this runtime's own folder."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    own_dir = os.path.dirname(os.path.abspath(__file__))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    front = [task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]
    sys.path[:] = front + [p for p in sys.path if p not in front and p != own_dir]


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME,
                             f"Bad handler '{handler}': {error}") from None
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT,
                                 f"Cannot use built-in module {module_name} as a handler module")
        # AWS accepts both "pkg/sub/mod.fn" and "pkg.sub.mod.fn".
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR,
                             f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR,
                             f"Syntax error in module '{module_name}': {error}", trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND,
                             f"Handler '{function_name}' missing on module '{module_name}'") from None


def handle_invocation(client, handler, invocation):
    """Runs the handler on `invocation`; returns the POST of its outcome."""
    error_result = None
    try:
        context = LambdaContext(invocation)
        event = unmarshal_event(invocation.body, invocation.content_type)
        result, content_type = marshal_response(handler(event, context))
    except FaultException as fault:
        xray_fault = make_xray_fault("LambdaValidationError", fault.msg, [])
        error_result = make_error(fault.msg, fault.exception_type, fault.trace,
                                  invocation.request_id)
    except Exception:
        error_result, frames = build_fault_result(sys.exc_info(), invocation.request_id)
        xray_fault = make_xray_fault(error_result["errorType"], error_result["errorMessage"],
                                     frames)
    if error_result is None:
        return client.result(invocation.request_id, result, content_type)
    log_error(error_result)
    return client.error(invocation.request_id, error_result, xray_fault)


def main():
    global _current_request_id
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.exit("AWS_LAMBDA_RUNTIME_API is not set: this program runs inside a Lambda "
                 "environment")
    client = RuntimeApiClient(address)
    setup_sys_path()

    try:
        setup_logging()
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except FaultException as fault:
        error_result = make_error(fault.msg, fault.exception_type, fault.trace)
    except Exception:
        error_result, _ = build_fault_result(sys.exc_info())
    else:
        error_result = None
    if error_result is not None:
        logging.warning(_UNHANDLED_WARNING)
        log_error(error_result)
        client.post_init_error(error_result)
        sys.exit(1)

    outcome = None  # the last invocation's POST, sent with the next GET
    while True:
        invocation = client.next_invocation(outcome)
        _current_request_id = invocation.request_id
        if invocation.trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = invocation.trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        outcome = handle_invocation(client, handler, invocation)


if __name__ == "__main__":
    main()
