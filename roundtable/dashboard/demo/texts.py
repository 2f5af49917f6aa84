"""Texts for synthetic rows (``bulk.py``), composed from the parts in ``content/bulk.toml``.

A title is a topic (which names its template: category, lead and co-handling departments)
with an object of the topic's group, in one of a few forms, some with a place: thousands of
distinct titles, the common topics and objects more often than the rare ones (Zipf-like
weights in file order), about ``english_share`` of them in English. A description is a
background, the problem, sometimes its impact and a request, grown to a length drawn from a
log-normal distribution clipped to 50–800 characters, in the title's language. Progress notes,
resolutions and return reasons follow the same language.

Everything is drawn from the ``random.Random`` passed in, so a seed gives the same texts.
"""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass

from roundtable.dashboard.demo import content as c

with (c.CONTENT / "bulk.toml").open("rb") as _f:
    PARTS = tomllib.load(_f)

EN, ZH = "en", "zh"


@dataclass(frozen=True)
class Subject:
    """What one synthetic issue is about: its title, language and template."""

    title: str
    language: str
    template: c.Template | None
    body: str  # the title without its form: what descriptions quote
    obj: str
    place: str


def _zipf(n: int, s: float = 0.8) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def _sentence_end(text: str, limit: int) -> int:
    """The end of the last whole sentence within ``limit`` characters (0 if none)."""
    best = 0
    for mark in ("。", "！", "？", ". ", "!", "?"):
        at = text.rfind(mark, 0, limit)
        if at >= 0:
            best = max(best, at + len(mark.rstrip()))
    return best


class TextDrawer:
    def __init__(self, rng: random.Random, templates: list[c.Template]):
        self.rng = rng
        by_key = {t.key: t for t in templates}
        self.topics = [
            (by_key[t["template"]], t) for t in PARTS["topics"] if t["template"] in by_key
        ]
        self.topic_weights = _zipf(len(self.topics), 0.6)
        self.objects = {
            group: (rows, _zipf(len(rows), 0.9)) for group, rows in PARTS["objects"].items()
        }
        self.places = PARTS["places"]
        s = PARTS["sentences"]
        self.s = s
        self.fills = {
            "origin": s["fill_origin"],
            "business": s["fill_business"],
            "doc": s["fill_doc"],
            "dept": s["fill_dept"],
        }
        self.median = PARTS["description_median"]
        self.sigma = PARTS["description_sigma"]
        self.min_len, self.max_len = PARTS["description_min"], PARTS["description_max"]
        self.english_share = PARTS["english_share"]

    # -- titles --

    def subject(self) -> Subject:
        rng = self.rng
        language = EN if rng.random() < self.english_share else ZH
        if not self.topics:
            return Subject("演示事项", ZH, None, "演示事项", "", "")
        template, topic = rng.choices(self.topics, self.topic_weights)[0]
        rows, weights = self.objects[topic["objects"]]
        obj = rng.choices(rows, weights)[0]
        place = rng.choice(self.places)
        i = 0 if language == ZH else 1
        body = topic[language].format(obj=obj[i])
        form = rng.choice(PARTS[f"forms_{language}"])
        title = form.format(body=body, place=place[i])
        if language == EN:
            title = title[0].upper() + title[1:]
        return Subject(title, language, template, body, obj[i], place[i])

    # -- sentences --

    def _fill(self, pattern: str, subject: Subject) -> str:
        rng, i = self.rng, (1 if subject.language == EN else 0)
        values = {
            "topic": subject.body,
            "obj": subject.obj,
            "place": subject.place or self.places[0][i],
            "year": rng.randint(2005, 2024),
            "n": rng.choice((12, 25, 40, 60, 80, 120, 200, 350, 600)),
            "m": rng.choice((50, 80, 120, 300, 500, 1000, 2000)),
            "d": rng.choice((10, 15, 20, 30, 45, 60)),
            "month": rng.randint(1, 12),
        }
        values["mm"] = f"{values['m'] * 10_000:,}"
        for name, rows in self.fills.items():
            if "{" + name + "}" in pattern:
                values[name] = rng.choice(rows)[i]
        return pattern.format(**values)

    def _sentence(self, kind: str, subject: Subject, used: set[str] | None = None) -> str:
        """A sentence of ``kind``; one not in ``used`` (updated) while there is one."""
        patterns = self.s[f"{kind}_{subject.language}"]
        if used is not None:
            patterns = [p for p in patterns if p not in used] or patterns
            pattern = self.rng.choice(patterns)
            used.add(pattern)
        else:
            pattern = self.rng.choice(patterns)
        return self._fill(pattern, subject)

    def description(self, subject: Subject) -> str:
        """Background, problem, impact and request, grown to a drawn length and cut at a
        sentence's end to stay within the maximum."""
        target = self.rng.lognormvariate(math.log(self.median), self.sigma)
        target = int(min(self.max_len, max(self.min_len, target)))
        join = " " if subject.language == EN else ""
        used: set[str] = set()
        parts = [
            self._sentence("background", subject, used),
            self._sentence("problem", subject, used),
        ]
        request = self._sentence("request", subject)
        middle = ("problem", "impact", "problem")
        while len(join.join(parts)) + len(request) < target:
            parts.append(self._sentence(middle[len(parts) % 3], subject, used))
        text = join.join([*parts, request])
        if len(text) > self.max_len:
            text = text[: _sentence_end(text, self.max_len) or self.max_len]
        return text

    def progress(self, subject: Subject) -> str:
        return self._sentence("progress", subject)

    def resolution(self, subject: Subject) -> str:
        rows = self.s["resolutions_en"] if subject.language == EN else c.RESOLUTIONS
        return self.rng.choice(rows)

    def return_reason(self, subject: Subject) -> str:
        rows = self.s["return_reasons_en"] if subject.language == EN else c.RETURN_REASONS
        return self.rng.choice(rows)

    # -- people and enterprises --

    def person_name(self) -> str:
        p = PARTS["people"]
        given = "".join(self.rng.choice(p["given"]) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(p["surnames"]) + given


def enterprise_names(rng: random.Random, taken: set[str]):
    """Endless distinct (Chinese, English) enterprise names not in ``taken`` (updated)."""
    parts = PARTS["enterprise_names"]
    combos = [
        (a, b, biz) for a in parts["first"] for b in parts["second"] for biz in parts["business"]
    ]
    rng.shuffle(combos)
    round_ = 0
    while True:
        for (a_zh, a_en), (b_zh, b_en), (biz_zh, biz_en) in combos:
            branch_zh = f"第{round_ + 1}" if round_ else ""
            branch_en = f" No. {round_ + 1}" if round_ else ""
            zh = f"{a_zh}{b_zh}{biz_zh}{branch_zh}（重庆）有限公司"
            if zh in taken:
                continue
            taken.add(zh)
            yield zh, f"{a_en}{b_en} {biz_en}{branch_en} (Chongqing) Co., Ltd."
        round_ += 1
