"""The JSON API under ``/api/v1``: the facades the pages call, as pydantic models; every
refusal is ``application/problem+json`` with the domain's reason in Chinese and English."""
