// SPDX-License-Identifier: Apache-2.0
// hello-node (ES module): the same greeting as the CommonJS variant, as an ESM export.
let invocations = 0;

export const handler = async (event, context) => {
    invocations += 1;
    const name = event.name ?? 'world';
    console.log('greeting', name);
    return { message: `Hello, ${name}!`, invocations, requestId: context.awsRequestId };
};
