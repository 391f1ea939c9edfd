"""Paging of long lists (a person's inbox, the case list): page numbers, counts, next/prev.

The lists come sorted from the read models in memory, so a page is a slice of them, and
only its rows are dressed up for showing (names, links). ``page`` and ``size`` come from
the query string (``?page=2&size=50``, documented in the OpenAPI schema); a bad one is
refused as a 422 problem, and so is a page past the last one, with the number of pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel

from domain.errors import InvalidInput

DEFAULT_SIZE = 50
MAX_SIZE = 200


class Count(BaseModel):
    """How many items of one kind (a process, a stage) the whole list holds."""

    key: str
    zh: str
    en: str
    count: int = 0


class Paged(BaseModel):
    """What every page of a list says about the whole list."""

    total: int  # items in the whole list
    overdue: int  # of which overdue
    counts: list[Count]  # per kind, of the whole list
    page: int  # this page, from 1
    size: int  # items per page
    pages: int  # pages in all (at least 1)
    prev_page: int | None = None
    next_page: int | None = None


@dataclass(frozen=True)
class Paging:
    """The page asked for."""

    page: int = 1
    size: int = DEFAULT_SIZE

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.size))

    def window(self, total: int) -> slice:
        """The page's items of a list of ``total``; a page past the last is refused."""
        pages = self.pages(total)
        if self.page > pages:
            raise InvalidInput(
                f"共 {pages} 页，没有第 {self.page} 页",
                f"there are {pages} pages, no page {self.page}",
            )
        start = (self.page - 1) * self.size
        return slice(start, start + self.size)

    def of(self, total: int) -> dict[str, Any]:
        """The fields of ``Paged`` but the counts, for a list of ``total``."""
        pages = self.pages(total)
        return {
            "total": total,
            "page": self.page,
            "size": self.size,
            "pages": pages,
            "prev_page": self.page - 1 if self.page > 1 else None,
            "next_page": self.page + 1 if self.page < pages else None,
        }


async def paging(  # async: no thread for reading two numbers
    page: Annotated[
        int, Query(ge=1, le=1_000_000, description="第几页，从 1 起 / page, from 1")
    ] = 1,
    size: Annotated[
        int, Query(ge=1, le=MAX_SIZE, description="每页条数 / items per page")
    ] = DEFAULT_SIZE,
) -> Paging:
    return Paging(page, size)


PageQuery = Annotated[Paging, Depends(paging)]
