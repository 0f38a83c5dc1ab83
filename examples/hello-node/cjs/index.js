// SPDX-License-Identifier: Apache-2.0
// hello-node (CommonJS): an async handler that greets the caller and counts warm invocations.
let invocations = 0;

exports.handler = async (event, context) => {
    invocations += 1;
    const name = event.name ?? 'world';
    console.log('greeting', name);
    return { message: `Hello, ${name}!`, invocations, requestId: context.awsRequestId };
};
