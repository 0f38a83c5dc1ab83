# SPDX-License-Identifier: Apache-2.0
"""hello-python: greets the caller and counts warm invocations (module state survives)."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)
invocations = 0


def lambda_handler(event, context):
    global invocations
    invocations += 1
    name = event.get("name", "world")
    logger.info("greeting %s", name)
    return {"message": f"Hello, {name}!", "invocations": invocations,
            "request_id": context.aws_request_id}
