from django.utils.translation import get_language


def prefers_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class BilingualNameMixin:
    """For models with ``name_zh`` and ``name_en``: ``name`` follows the active language and
    falls back to whichever name exists."""

    @property
    def name(self) -> str:
        first, second = (
            (self.name_zh, self.name_en)
            if prefers_chinese()
            else (
                self.name_en,
                self.name_zh,
            )
        )
        return first or second

    def __str__(self) -> str:
        return self.name
