// SPDX-License-Identifier: Apache-2.0
// lambdahost's Node.js runtime client: speaks the Lambda Runtime API (2018-06-01) like AWS's.
//
// Started by the scheduler as `/usr/bin/node <runtimes>/nodejs/bootstrap.mjs` (runtimes.json)
// with AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT and the AWS_LAMBDA_* variables. It
// loads the handler once (CommonJS through require, ESM through import()), then runs one
// invocation at a time: GET next, call the handler (promise or callback style), POST the result
// or AWS's error JSON. The loop, the callback semantics (callbackWaitsForEmptyEventLoop via
// 'beforeExit'), the error shapes and the console format follow AWS's client
// (aws-lambda-nodejs-runtime-interface-client: Runtime.js, CallbackContext.js, Errors.js,
// UserFunction.js, LogPatch.js). No npm dependencies; one keep-alive connection.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const kApiPrefix = '/2018-06-01/runtime';
const [kHost, kPort] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':');
// One socket, kept alive; an idle kept socket is unref'd by the agent, so it does not hold the
// event loop open and 'beforeExit' still tells us when the handler's work has drained.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

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

function request(method, urlPath, body, headers = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: kHost, port: kPort, method, path: kApiPrefix + urlPath, agent, headers },
            (res) => {
                const chunks = [];
                res.on('data', (chunk) => chunks.push(chunk));
                res.on('end', () => resolve({ res, body: Buffer.concat(chunks).toString() }));
                res.on('error', reject);
            });
        req.on('error', reject);
        req.end(body);
    });
}

function post(urlPath, payload, headers = {}) {
    const body = Buffer.from(payload);
    return request('POST', urlPath, body, {
        'Content-Type': 'application/json', 'Content-Length': body.length, ...headers });
}

function postError(urlPath, error) {
    const response = toRapidResponse(error);
    return post(urlPath, JSON.stringify(response),
                { 'Lambda-Runtime-Function-Error-Type': response.errorType });
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

// The one 'beforeExit' listener; each invocation sets what it does (BeforeExitListener.js).
let onBeforeExit = () => {};
process.on('beforeExit', () => onBeforeExit());

// Errors thrown outside the handler's call stack fail the current invocation (before the
// first one: the init) and end the process (AWS exits 129 for an uncaught exception, 128 for
// an unhandled rejection).
let onFatal = (error, exitCode) => {
    postError('/init/error', error).catch(() => {}).finally(() => process.exit(exitCode));
};
process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    onFatal(error, 129);
});
process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    onFatal(error, 128);
});

// A failure of the loop itself (AWS: "Unexpected Top Level Error").
function onLoopError(error) {
    console.log(`Unexpected Top Level Error: ${error}`);
    onFatal(error, 129);
}

function isAsync(handler) {
    return handler.constructor?.name === 'AsyncFunction';
}

function parseJsonHeader(value) {
    return value === undefined ? undefined : JSON.parse(value);
}

function makeContext(headers, callbackContext) {
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    const env = process.env;
    return Object.assign(callbackContext, {
        functionName: env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
        memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext: parseJsonHeader(headers['lambda-runtime-client-context']),
        identity: parseJsonHeader(headers['lambda-runtime-cognito-identity']),
        invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
        awsRequestId: headers['lambda-runtime-aws-request-id'],
        getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    });
}

// Builds the callback and the context's succeed/fail/done for one invocation; `next` starts
// the following iteration once the outcome is posted.
function makeCallbacks(requestId, next) {
    let done = false;
    let waitForEmptyEventLoop = true;
    const finish = (promise) => promise.then(next, onLoopError);
    const complete = (result) => {
        if (done) {
            console.error('Invocation has already been reported as done. Cannot call complete ' +
                          'more than once per invocation.');
            return;
        }
        done = true;
        let payload;
        try {
            payload = JSON.stringify(result === undefined ? null : result);
        } catch {
            // AWS: a plain Error with this text (RAPIDClient.js), reported as the handler's.
            const error = new Error('Unable to stringify response body');
            logError('Invoke Error', error);
            finish(postError(`/invocation/${requestId}/error`, error));
            return;
        }
        finish(post(`/invocation/${requestId}/response`, payload));
    };
    const fail = (error) => {
        if (done) {
            return;
        }
        done = true;
        logError('Invoke Error', error);
        finish(postError(`/invocation/${requestId}/error`, error));
    };
    const settle = (error, result) => {
        onBeforeExit = () => {};
        if (error !== undefined && error !== null) {
            fail(error);
        } else {
            complete(result);
        }
    };
    const callback = (error, result) => {
        if (error !== undefined && error !== null) {
            settle(error);
        } else if (!waitForEmptyEventLoop) {
            settle(null, result);
        } else {
            // AWS: a callback's result is sent once the event loop has drained.
            onBeforeExit = () => setImmediate(() => settle(null, result));
        }
    };
    const context = {
        get callbackWaitsForEmptyEventLoop() {
            return waitForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value) {
            waitForEmptyEventLoop = value;
        },
        succeed: (result) => settle(null, result),
        fail: (error) => settle(error ?? 'handled'),
        done: settle,
    };
    return { callback, context };
}

async function invokeOnce(handler) {
    const { res, body } = await request('GET', '/invocation/next');
    if (res.statusCode !== 200) {
        throw new Error(`GET /invocation/next returned ${res.statusCode}: ${body}`);
    }
    const headers = res.headers;
    const requestId = headers['lambda-runtime-aws-request-id'];
    currentRequestId = requestId;
    if (headers['lambda-runtime-trace-id']) {
        process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
    } else {
        delete process.env._X_AMZN_TRACE_ID;
    }
    const { callback, context } = makeCallbacks(requestId, scheduleNext);
    onFatal = (error, exitCode) => {
        postError(`/invocation/${requestId}/error`, error).finally(() => process.exit(exitCode));
    };
    // AWS: once the event loop is empty without an answer, an async handler (its promise never
    // settled) fails with Runtime.NodeJsExit; any other answers null.
    onBeforeExit = isAsync(handler) ? () => context.fail(nodeJsExit()) : () => context.succeed(null);
    try {
        const event = JSON.parse(body || '{}');
        const result = handler(event, makeContext(headers, context), callback);
        if (result && typeof result.then === 'function') {
            result.then(context.succeed, (error) => context.fail(error ?? 'handled'));
        }
    } catch (error) {
        callback(error);
    }
}

function scheduleNext() {
    setImmediate(() => invokeOnce(loadedHandler).catch(onLoopError));
}

patchConsole();
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
let loadedHandler;
try {
    loadedHandler = await loadHandler(taskRoot, process.env._HANDLER || '');
} catch (error) {
    logError('Init Error', error);
    await postError('/init/error', error).catch(() => {});
    process.exit(129);
}
scheduleNext();
