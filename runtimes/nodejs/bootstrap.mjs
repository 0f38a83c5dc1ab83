// SPDX-License-Identifier: Apache-2.0
// lambdahost's Node.js runtime client: speaks the Lambda Runtime API (2018-06-01) like AWS's.
//
// Started by the scheduler as `/usr/bin/node <runtimes>/nodejs/bootstrap.mjs` (runtimes.json)
// with AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT and the AWS_LAMBDA_* variables. It
// loads the handler once (CommonJS through require, ESM through import()), then runs one
// invocation at a time: GET next, call the handler (promise or callback style), POST the result
// or AWS's error JSON together with the next GET. The loop, the callback semantics
// (callbackWaitsForEmptyEventLoop via 'beforeExit'), the error shapes and the console format
// follow AWS's client (aws-lambda-nodejs-runtime-interface-client: Runtime.js,
// CallbackContext.js, Errors.js, UserFunction.js, LogPatch.js). No npm dependencies; one
// keep-alive connection spoken to with a minimal HTTP/1.1 client (see RuntimeApi).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const kApiPrefix = '/2018-06-01/runtime';
const kRuntimeApi = process.env.AWS_LAMBDA_RUNTIME_API || '';
const [kHost, kPort] = kRuntimeApi.split(':');

let currentRequestId; // printed as "undefined" outside an invocation, as AWS does

// ---- console: "<ISO time>\t<request id>\t<LEVEL>\t<message>" (LogPatch.js) ----

function patchConsole() {
    const json = process.env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
    const levels = { log: 'INFO', info: 'INFO', debug: 'DEBUG', warn: 'WARN', error: 'ERROR',
                     trace: 'TRACE' };
    for (const [method, level] of Object.entries(levels)) {
        console[method] = (...args) => {
            const message = util.format(...args);
            const time = new Date().toISOString();
            const line = json
                ? JSON.stringify({ timestamp: time, level, requestId: currentRequestId, message })
                : `${time}\t${currentRequestId}\t${level}\t${message}`;
            process.stdout.write(line + '\n');
        };
    }
}

// ---- errors (Errors.js) ----
// The behaviours below are those of AWS's client for nodejs18.x-22.x (aws-lambda-ric 3.3,
// Runtime.js and Errors.js); its 4.x rewrite for nodejs24.x drops callbacks and differs.

function namedError(name, message) {
    const error = new Error(message);
    error.name = name;
    return error;
}

// AWS: the message is String(reason) ("Error: boom" for an Error); reason and promise are kept
// for the log line.
class UnhandledPromiseRejection extends Error {
    constructor(reason, promise) {
        super(reason);
        this.reason = reason;
        this.promise = promise;
    }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

// AWS: an async handler whose promise never settled once the event loop is empty.
function nodeJsExit() {
    return namedError('Runtime.NodeJsExit',
                      'The Lambda runtime client detected an unexpected Node.js exit code. This ' +
                      'is most commonly caused by a Promise that was never settled. For more ' +
                      'information, see https://nodejs.org/docs/latest/api/process.html#exit-codes');
}

function intoError(error) {
    return error instanceof Error ? error : new Error(error);
}

// The error in log lines (toFormatted): its own enumerable properties too, the stack as lines.
function withEnumerableProperties(value) {
    if (!(value instanceof Error)) {
        return value;
    }
    const result = Object.assign(
        { errorType: value.name, errorMessage: value.message, code: value.code }, value);
    if (typeof value.stack === 'string') {
        result.stack = value.stack.split('\n');
    }
    return result;
}

function logError(label, error) {
    let formatted;
    try {
        formatted = JSON.stringify(intoError(error), (_key, v) => withEnumerableProperties(v));
    } catch {
        formatted = JSON.stringify(toRapidResponse(error));
    }
    console.error(label, '\t' + formatted);
}

function toRapidResponse(error) {
    if (error instanceof Error || (error && typeof error.stack === 'string')) {
        return { errorType: error.name, errorMessage: error.message,
                 trace: String(error.stack ?? '').split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

// ---- Runtime API client ----
// node:http (a ClientRequest, an Agent and a parser per request) costs more CPU per invoke than
// everything else here. The Runtime API needs little of HTTP: every request is written as one
// string with Content-Length, every response is read by its Content-Length (lambdahost's
// listener and AWS's Runtime API always send one). Requests are pipelined: an invocation's
// result and the next GET /invocation/next go out in one write and the answers are taken in
// order. That stays AWS-compatible: lambdahost's listener, and AWS's Runtime API (Go net/http,
// as in the Runtime Interface Emulator), serve a connection's requests one after another.

const kHeadEnd = Buffer.from('\r\n\r\n');
const kMaxHeadBytes = 64 * 1024;
const kNextRequest = `GET ${kApiPrefix}/invocation/next HTTP/1.1\r\nHost: ${kRuntimeApi}\r\n\r\n`;

// A header value must not hold control characters (CR LF would end the line): they are
// dropped (the error type is user data, an Error's name, of any type; node:http threw on them).
const kControlCharacters = /[\x00-\x08\x0a-\x1f\x7f]/g;
function headerValue(value) {
    return String(value).replace(kControlCharacters, '');
}

function postRequest(urlPath, payload, errorType) {
    const errorHeader = errorType === undefined
        ? '' : `Lambda-Runtime-Function-Error-Type: ${headerValue(errorType)}\r\n`;
    return `POST ${kApiPrefix}${urlPath} HTTP/1.1\r\nHost: ${kRuntimeApi}\r\n` +
           `Content-Type: application/json\r\n${errorHeader}` +
           `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
}

// A response's status and the headers this client reads: an event's Lambda-Runtime-* headers
// and what framing needs. Absent headers stay undefined.
class ResponseHead {
    constructor(status) {
        this.status = status;
        this.length = undefined; // Content-Length
        this.close = false; // Connection: close
        this.requestId = undefined;
        this.deadlineMs = undefined;
        this.functionArn = undefined;
        this.traceId = undefined;
        this.clientContext = undefined;
        this.cognitoIdentity = undefined;
    }
}

// "HTTP/1.1 200 OK\r\nName: value..." (without the blank line) -> a ResponseHead.
function parseHead(text) {
    let lineEnd = text.indexOf('\r\n');
    if (lineEnd < 0) {
        lineEnd = text.length;
    }
    const status = Number(text.slice(9, 12));
    if (!text.startsWith('HTTP/1.') || !(status >= 100 && status <= 999) || lineEnd < 12) {
        throw new Error(`malformed Runtime API response: ${text.slice(0, lineEnd)}`);
    }
    const head = new ResponseHead(status);
    while (lineEnd < text.length) {
        const start = lineEnd + 2;
        lineEnd = text.indexOf('\r\n', start);
        if (lineEnd < 0) {
            lineEnd = text.length;
        }
        const colon = text.indexOf(':', start);
        if (colon <= start || colon > lineEnd) {
            throw new Error(`malformed Runtime API response header: ${text.slice(start, lineEnd)}`);
        }
        const value = text.slice(colon + 1, lineEnd).trim();
        switch (text.slice(start, colon).toLowerCase()) {
        case 'content-length': head.length = Number(value); break;
        case 'connection': head.close = value.toLowerCase() === 'close'; break;
        case 'transfer-encoding':
            throw new Error('unsupported Runtime API response: Transfer-Encoding');
        case 'lambda-runtime-aws-request-id': head.requestId = value; break;
        case 'lambda-runtime-deadline-ms': head.deadlineMs = value; break;
        case 'lambda-runtime-invoked-function-arn': head.functionArn = value; break;
        case 'lambda-runtime-trace-id': head.traceId = value; break;
        case 'lambda-runtime-client-context': head.clientContext = value; break;
        case 'lambda-runtime-cognito-identity': head.cognitoIdentity = value; break;
        default: break;
        }
    }
    if (head.length === undefined && (status === 204 || status === 304)) {
        head.length = 0;
    }
    if (!Number.isSafeInteger(head.length) || head.length < 0) {
        throw new Error('Runtime API response without a valid Content-Length');
    }
    return head;
}

// A request sent and not yet answered: `done(error, head, body)`. `retry` is the request's text
// when it may be sent again on a new connection (GET /next only: the server never answered
// it, so nothing was delivered on it), else null.
class Pending {
    constructor(done, retry) {
        this.done = done;
        this.retry = retry;
    }
}

// The one connection to the Runtime API. It holds the event loop only while a request is
// outstanding (ref/unref), so 'beforeExit' still says when a handler's own work has drained.
// A connection the server closed between requests is simply opened again; one closed with an
// unanswered GET /next (e.g. after a "Connection: close" 413) re-sends it once on a new one.
// Responses are read with `onread` into one reused buffer, without the stream machinery.
class RuntimeApi {
    #socket = null;
    #readBuffer = Buffer.allocUnsafe(64 * 1024);
    #pending = []; // oldest first
    #headPart = null; // a copy of the start of a response head split over reads
    #head = null; // the head of the response whose body is being read
    #body = null; // that body, when it spans reads
    #received = 0; // bytes of #body filled
    #retried = false; // a GET was re-sent and nothing has been answered since

    get idle() {
        return this.#pending.length === 0;
    }

    // Writes `text` (one or more requests) and expects one response per Pending, in order.
    send(text, ...requests) {
        if (this.#socket === null) {
            this.#connect();
        } else if (this.#pending.length === 0) {
            this.#socket.ref();
        }
        this.#pending.push(...requests);
        this.#socket.write(text);
    }

    // Calls `callback` once every POST sent so far is answered (at once if none is pending).
    afterPosts(callback) {
        const last = this.#pending.findLast((request) => request.retry === null);
        if (last === undefined) {
            callback();
            return;
        }
        const done = last.done;
        last.done = (...args) => {
            done(...args);
            callback();
        };
    }

    #connect() {
        let failure = null;
        const socket = net.connect({
            host: kHost,
            port: Number(kPort),
            noDelay: true,
            onread: {
                buffer: this.#readBuffer,
                callback: (length, buffer) => {
                    if (socket === this.#socket) {
                        this.#onRead(buffer, length);
                    }
                },
            },
        });
        socket.on('error', (error) => {
            failure = error;
        });
        socket.on('close', () => {
            if (socket === this.#socket) {
                this.#lost(failure ?? new Error('the Runtime API closed the connection'));
            }
        });
        this.#socket = socket;
    }

    #onRead(buffer, length) {
        try {
            this.#parse(buffer, 0, length);
        } catch (error) {
            this.#retried = true; // a garbled answer is not asked again
            this.#lost(error);
        }
    }

    // Reads buffer[start, end): completes heads and bodies, hands each response over in order.
    #parse(buffer, start, end) {
        let data = buffer;
        let offset = start;
        for (;;) {
            if (this.#head === null) {
                if (offset === end) {
                    return;
                }
                if (this.#headPart !== null) {
                    data = Buffer.concat([this.#headPart, data.subarray(offset, end)]);
                    offset = 0;
                    end = data.length;
                    this.#headPart = null;
                }
                // The buffer is reused: bytes past `end` are stale, a match there is none.
                const headEnd = data.indexOf(kHeadEnd, offset);
                if (headEnd < 0 || headEnd + kHeadEnd.length > end) {
                    if (end - offset > kMaxHeadBytes) {
                        throw new Error('Runtime API response head too large');
                    }
                    this.#headPart = Buffer.from(data.subarray(offset, end));
                    return;
                }
                this.#head = parseHead(data.toString('latin1', offset, headEnd));
                offset = headEnd + kHeadEnd.length;
            }
            const needed = this.#head.length - this.#received;
            if (this.#body === null && end - offset >= needed) {
                // The whole body is in this read (the usual case): decode it in place.
                offset += needed;
                if (!this.#answer(data.toString('utf8', offset - needed, offset))) {
                    return;
                }
                continue;
            }
            // A body spanning reads is gathered in a buffer of its length.
            this.#body ??= Buffer.allocUnsafe(this.#head.length);
            const take = Math.min(needed, end - offset);
            data.copy(this.#body, this.#received, offset, offset + take);
            this.#received += take;
            offset += take;
            if (this.#received < this.#head.length || !this.#answer(this.#body.toString())) {
                return;
            }
        }
    }

    // Hands one complete response to the oldest request; false once the connection is closed.
    #answer(body) {
        const head = this.#head;
        this.#head = null;
        this.#body = null;
        this.#received = 0;
        const request = this.#pending.shift();
        if (request === undefined) {
            throw new Error(`unexpected Runtime API response ${head.status}`);
        }
        this.#retried = false;
        if (head.close) {
            this.#lost(new Error('the Runtime API closed the connection'));
        } else if (this.#pending.length === 0) {
            this.#socket.unref();
        }
        request.done(null, head, body);
        return !head.close;
    }

    // The connection is gone: a lone unanswered GET /next is sent again (once); otherwise the
    // oldest unanswered request fails with `error`, which ends the loop (the rest is dropped).
    #lost(error) {
        this.#socket.destroy();
        this.#socket = null;
        this.#headPart = null;
        this.#head = null;
        this.#body = null;
        this.#received = 0;
        const lost = this.#pending;
        this.#pending = [];
        if (lost.length === 1 && lost[0].retry !== null && !this.#retried) {
            this.#retried = true;
            this.send(lost[0].retry, lost[0]);
            return;
        }
        if (lost.length > 0) {
            lost[0].done(error);
        }
    }
}

const api = new RuntimeApi();

function postError(urlPath, error) {
    const response = toRapidResponse(error);
    return postRequest(urlPath, JSON.stringify(response), response.errorType);
}

// ---- handler loading (UserFunction.js) ----

function hasPackageJsonTypeModule(file) {
    // The nearest package.json decides whether a .js file is ESM, as in Node itself.
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, 'package.json');
        if (fs.existsSync(candidate)) {
            try {
                return JSON.parse(fs.readFileSync(candidate, 'utf8')).type === 'module';
            } catch {
                return false;
            }
        }
        if (dir === path.dirname(dir)) {
            return false;
        }
    }
}

async function loadModule(taskRoot, moduleRoot, moduleName) {
    const base = path.resolve(taskRoot, moduleRoot, moduleName);
    const require = createRequire(path.join(taskRoot, 'noop.js'));
    const exists = (ext) => fs.existsSync(base + ext) && fs.statSync(base + ext).isFile();
    const isModule = hasPackageJsonTypeModule(base);
    if (exists('')) {
        return require(base);
    }
    if (exists('.js')) {
        return isModule ? import(pathToFileURL(base + '.js').href) : require(base + '.js');
    }
    if (exists('.mjs')) {
        return import(pathToFileURL(base + '.mjs').href);
    }
    if (exists('.cjs')) {
        return require(base + '.cjs');
    }
    // AWS falls back to Node's resolution (node_modules); its failure is MODULE_NOT_FOUND.
    return require(require.resolve(moduleName, { paths: [taskRoot, moduleRoot] }));
}

async function loadHandler(taskRoot, handlerString) {
    const moduleRoot = path.dirname(handlerString);
    const match = /^([^.]*)\.(.*)$/.exec(path.basename(handlerString));
    if (!match) {
        throw namedError('Runtime.MalformedHandlerName', 'Bad handler');
    }
    const [, moduleName, handlerPath] = match;
    let loaded;
    try {
        loaded = await loadModule(taskRoot, moduleRoot, moduleName);
    } catch (error) {
        if (error instanceof SyntaxError) {
            throw namedError('Runtime.UserCodeSyntaxError', String(error));
        }
        if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
            throw namedError('Runtime.ImportModuleError', String(error));
        }
        throw error;
    }
    const handler = handlerPath.split('.').reduce((value, key) => value?.[key], loaded);
    if (handler === undefined || handler === null) {
        throw namedError('Runtime.HandlerNotFound',
                         `${handlerString} is undefined or not exported`);
    }
    if (typeof handler !== 'function') {
        throw namedError('Runtime.HandlerNotFound', `${handlerString} is not a function`);
    }
    return handler;
}

// ---- the invocation loop (Runtime.js, CallbackContext.js) ----

let loadedHandler;
let handlerIsAsync = false;
let current = null; // the Invocation in progress, or the last one
let fatalPath = '/init/error'; // where an error outside the handler's call stack is posted

// Errors thrown outside the handler's call stack fail the current invocation (before the
// first one: the init) and end the process (AWS exits 129 for an uncaught exception, 128 for
// an unhandled rejection). Once the invocation's outcome is posted there is nothing left to
// fail: the process exits when its posts are answered.
function fatal(error, exitCode) {
    const exit = () => process.exit(exitCode);
    if (api.idle) {
        api.send(postError(fatalPath, error), new Pending(exit, null));
    } else {
        api.afterPosts(exit);
    }
}
process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    fatal(error, 129);
});
process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    fatal(error, 128);
});

// A failure of the loop itself (AWS: "Unexpected Top Level Error").
function onLoopError(error) {
    console.log(`Unexpected Top Level Error: ${error}`);
    fatal(error, 129);
}

// What 'beforeExit' (the event loop ran dry) does for the invocation in progress
// (BeforeExitListener.js).
const kOnEmptyLoopNothing = 0; // the outcome is settled
const kOnEmptyLoopDefault = 1; // AWS: an async handler's promise never settled
const kOnEmptyLoopCallback = 2; // AWS: a callback's result is sent once the loop has drained
process.on('beforeExit', () => current?.onEmptyEventLoop());

function onPosted(error) {
    if (error) {
        onLoopError(error);
    }
}

function onNext(error, head, body) {
    try {
        if (error) {
            throw error;
        }
        if (head.status !== 200) {
            throw new Error(`GET /invocation/next returned ${head.status}: ${body}`);
        }
        current = new Invocation(head.requestId);
        current.start(head, body);
    } catch (loopError) {
        onLoopError(loopError);
    }
}
// Only one GET /next is ever outstanding: its Pending is reused.
const kNextPending = new Pending(onNext, kNextRequest);

const kEnv = process.env;
const kFunctionName = kEnv.AWS_LAMBDA_FUNCTION_NAME;
const kFunctionVersion = kEnv.AWS_LAMBDA_FUNCTION_VERSION;
const kMemoryLimitInMB = kEnv.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
const kLogGroupName = kEnv.AWS_LAMBDA_LOG_GROUP_NAME;
const kLogStreamName = kEnv.AWS_LAMBDA_LOG_STREAM_NAME;
// Setting process.env is slow: _X_AMZN_TRACE_ID is only written when it changes.
let traceId = kEnv._X_AMZN_TRACE_ID;

function parseJsonHeader(value) {
    return value === undefined ? undefined : JSON.parse(value);
}

// The handler's context (AWS's fields and methods; the methods work detached, as AWS's do).
// callbackWaitsForEmptyEventLoop is an accessor of the class, as non-enumerable as AWS's: an
// accessor made per object (a getter closure in an object literal) gives every context its
// own hidden class, which V8 keeps in old space — measured: 6 KB allocated and 0.9 KB
// promoted per invoke, a 2-9 ms scavenge every ~0.2 s at 8k invokes/s.
class LambdaContext {
    #invocation;

    constructor(invocation, head) {
        this.#invocation = invocation;
        const settle = (error, result) => invocation.settle(error, result);
        const deadline = Number(head.deadlineMs);
        this.succeed = (result) => settle(null, result);
        this.fail = (error) => settle(error ?? 'handled');
        this.done = settle;
        this.functionName = kFunctionName;
        this.functionVersion = kFunctionVersion;
        this.memoryLimitInMB = kMemoryLimitInMB;
        this.logGroupName = kLogGroupName;
        this.logStreamName = kLogStreamName;
        this.clientContext = undefined;
        this.identity = undefined;
        this.invokedFunctionArn = head.functionArn;
        this.awsRequestId = invocation.requestId;
        this.getRemainingTimeInMillis = () => Math.max(deadline - Date.now(), 0);
    }

    get callbackWaitsForEmptyEventLoop() {
        return this.#invocation.waitForEmptyEventLoop;
    }

    set callbackWaitsForEmptyEventLoop(value) {
        this.#invocation.waitForEmptyEventLoop = value;
    }
}

// One invocation: the handler's callback and the context's succeed/fail/done settle it once;
// its outcome is posted together with the next GET /invocation/next.
class Invocation {
    constructor(requestId) {
        this.requestId = requestId;
        this.done = false;
        this.waitForEmptyEventLoop = true;
        this.onEmptyLoop = kOnEmptyLoopDefault;
        this.callbackResult = undefined;
    }

    start(head, body) {
        currentRequestId = this.requestId;
        fatalPath = `/invocation/${this.requestId}/error`;
        const trace = head.traceId || undefined;
        if (trace !== traceId) {
            traceId = trace;
            if (trace === undefined) {
                delete kEnv._X_AMZN_TRACE_ID;
            } else {
                kEnv._X_AMZN_TRACE_ID = trace;
            }
        }
        const callback = (error, result) => this.callback(error, result);
        const context = new LambdaContext(this, head);
        try {
            context.clientContext = parseJsonHeader(head.clientContext);
            context.identity = parseJsonHeader(head.cognitoIdentity);
            const event = JSON.parse(body || '{}');
            const result = loadedHandler(event, context, callback);
            if (result && typeof result.then === 'function') {
                result.then(context.succeed, context.fail);
            }
        } catch (error) {
            callback(error);
        }
    }

    callback(error, result) {
        if (error !== undefined && error !== null) {
            this.settle(error);
        } else if (!this.waitForEmptyEventLoop) {
            this.settle(null, result);
        } else {
            this.callbackResult = result;
            this.onEmptyLoop = kOnEmptyLoopCallback;
        }
    }

    onEmptyEventLoop() {
        switch (this.onEmptyLoop) {
        case kOnEmptyLoopDefault:
            // AWS: once the event loop is empty without an answer, an async handler (its
            // promise never settled) fails with Runtime.NodeJsExit; any other answers null.
            if (handlerIsAsync) {
                this.settle(nodeJsExit());
            } else {
                this.settle(null, null);
            }
            break;
        case kOnEmptyLoopCallback:
            setImmediate(() => this.settle(null, this.callbackResult));
            break;
        default:
            break;
        }
    }

    settle(error, result) {
        this.onEmptyLoop = kOnEmptyLoopNothing;
        if (error !== undefined && error !== null) {
            this.fail(error);
        } else {
            this.complete(result);
        }
    }

    complete(result) {
        if (this.done) {
            console.error('Invocation has already been reported as done. Cannot call complete ' +
                          'more than once per invocation.');
            return;
        }
        this.done = true;
        let payload;
        try {
            payload = JSON.stringify(result === undefined ? null : result);
        } catch {
            // AWS: a plain Error with this text (RAPIDClient.js), reported as the handler's.
            const error = new Error('Unable to stringify response body');
            logError('Invoke Error', error);
            this.post(postError(`/invocation/${this.requestId}/error`, error));
            return;
        }
        this.post(postRequest(`/invocation/${this.requestId}/response`, payload, undefined));
    }

    fail(error) {
        if (this.done) {
            return;
        }
        this.done = true;
        logError('Invoke Error', error);
        this.post(postError(`/invocation/${this.requestId}/error`, error));
    }

    // The outcome and the next GET /invocation/next in one write: the invocation is over
    // (for a callback, the event loop has drained), so the next one may be asked for.
    post(request) {
        api.send(request + kNextRequest, new Pending(onPosted, null), kNextPending);
    }
}

patchConsole();
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
try {
    loadedHandler = await loadHandler(taskRoot, process.env._HANDLER || '');
    handlerIsAsync = loadedHandler.constructor?.name === 'AsyncFunction';
} catch (error) {
    logError('Init Error', error);
    api.send(postError('/init/error', error), new Pending(() => process.exit(129), null));
}
if (loadedHandler !== undefined) {
    api.send(kNextRequest, kNextPending);
}
