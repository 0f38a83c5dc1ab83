// SPDX-License-Identifier: Apache-2.0
// cpp-echo: a provided.al2023 function that answers each event with the event itself.
//
// The smallest use of lambdahost_runtime; also the function the warm-invoke benchmark measures.
#include <lambdahost/runtime.hpp>

int main() {
    using lambdahost::runtime::InvocationRequest;
    using lambdahost::runtime::InvocationResponse;
    lambdahost::runtime::run_handler([](const InvocationRequest& request) {
        return InvocationResponse::success(request.payload);
    });
    return 0;
}
