# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the integration tests: the server process, clients, the service-model
oracle, deployment-package builders and small function helpers."""
