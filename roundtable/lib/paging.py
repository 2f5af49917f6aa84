"""Pages of a list whose exact count could cost more than the page itself.

A search for a very common word (企业 in 100,000 issues) can match tens of thousands of rows:
PostgreSQL finds the first page of them at once along the list's ordering index, but a COUNT
must visit every match. ``CappedPaginator`` counts no further than ``cap`` rows. Up to the cap
it is Django's paginator, exactly. Beyond it, it says so (``capped``: the page shows "more than
1,000", never a made-up number), the number of pages is unknown, and each page reads one row
more than it shows to know whether a next page follows, so Previous and Next stay honest.
"""

from django.core.paginator import EmptyPage, Page, Paginator
from django.utils.functional import cached_property

# The furthest page a capped list serves: its OFFSET stays a small integer on both databases.
PAGE_MAX = 100_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int | None):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The number of rows, or cap + 1 when there are more than ``cap``."""
        if self.cap is None:
            return super().count
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return PAGE_MAX if self.capped else super().num_pages

    def page(self, number):
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return OpenPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number):
        """As Django's; a capped list has no known last page to fall back on: the first."""
        try:
            return super().get_page(number)
        except EmptyPage:
            return self.page(1)


class OpenPage(Page):
    """A page of a capped list: whether another follows is known, how many is not."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1
