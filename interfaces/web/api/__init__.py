"""The JSON API under ``/api/v1``: the same facades as the pages and the CLI.

Every answer is a pydantic model; every refusal is ``application/problem+json`` with the
domain's reason in Chinese and English (``interfaces.web.problem``).
"""
