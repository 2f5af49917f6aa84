"""The project's form renderer (roundtable.lib.forms.FormRenderer, templates/forms/): every page
of the access matrix, as a persona who may open it, names only elements that exist (each
aria-describedby, aria-labelledby and label's for), has no id twice (one attachment control on
the issue page), and an invalid form starts with an error summary that links to its fields."""

import re

import pytest
import time_machine
from lxml import html

from issues.models import Issue
from tests.security.test_access_matrix import MATRIX, _fill, _world

GET_ROWS = [
    row
    for row in MATRIX
    if row["method"] == "GET"
    and not row["path"].startswith("/admin/")
    and any(code in ("ok", "S+", "S-") for who, code in row["expect"].items() if who != "An")
]


def _broken_references(doc) -> list[str]:
    ids = doc.xpath("//@id")
    problems = [f"id {i!r} twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    known = set(ids)
    for attribute in ("aria-describedby", "aria-labelledby"):
        for element in doc.xpath(f"//*[@{attribute}]"):
            for name in element.get(attribute).split():
                if name not in known:
                    problems.append(f"{element.tag} {attribute}={name!r}: no such element")
    for label in doc.xpath("//label[@for]"):
        if label.get("for") not in known:
            problems.append(f"label for={label.get('for')!r}: no such element")
    return problems


@pytest.mark.django_db
def test_every_page_names_only_elements_that_exist(
    client, personas, contact_personas, dept_a, dept_b, enterprise_1
):
    with time_machine.travel("2026-09-29 10:00 +0800", tick=False):
        # The enterprise side's pages (matrix_portal.yaml) are opened by its contacts.
        personas = {**personas, **contact_personas}
        ids = _world("in_progress", personas, dept_a, dept_b, enterprise_1)
        problems = []
        for row in GET_ROWS:
            who = next(w for w, c in row["expect"].items() if w != "An" and c in ("ok", "S+", "S-"))
            client.force_login(personas[who])
            response = client.get(_fill(row["path"], ids))
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            doc = html.fromstring(response.content)
            problems += [f"{row['path']} ({who}): {p}" for p in _broken_references(doc)]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_fields_show_required_markers_and_link_their_help_text(client, staff):
    client.force_login(staff)
    doc = html.fromstring(client.get("/issues/new/").content)
    # A required field's wrapper carries the class that draws the marker (forms.css), its
    # label's text is the field's name alone, and its input says it is required.
    [title] = doc.xpath('//div[@id="field-title"]')
    assert "field-required" in title.get("class").split()
    assert title.xpath('./label[@for="id_title"]')[0].text_content() == "Title"
    assert doc.xpath('//input[@id="id_title"]/@required')
    # An optional field has no marker.
    assert "field-required" not in doc.xpath('//div[@id="field-description"]/@class')[0]
    # Help text: the input names it, and it is there.
    [described] = doc.xpath('//input[@name="deadline_working_days"]/@aria-describedby')
    assert doc.xpath(f'//*[@id="{described}"]')[0].text_content().startswith("Counted from today")


@pytest.mark.django_db
def test_an_invalid_form_starts_with_a_summary_linking_to_its_fields(client, staff):
    client.force_login(staff)
    response = client.post("/issues/new/", {"title": "", "then": "view"})
    doc = html.fromstring(response.content)
    [summary] = doc.xpath('//div[@data-error-summary][@role="alert"][@tabindex="-1"]')
    links = {a.get("href"): a.text_content() for a in summary.xpath(".//a")}
    assert links["#id_title"] == "Title"
    assert "#id_enterprise" in links
    # Each link's target exists, and each field with an error names its error list.
    for href in links:
        assert doc.xpath(f'//*[@id="{href[1:]}"]'), href
    [described] = doc.xpath('//input[@name="title"]/@aria-describedby')
    assert described == "id_title_error"
    assert "This field is required." in doc.xpath('//*[@id="id_title_error"]')[0].text_content()
    assert not Issue.objects.exists()


@pytest.mark.django_db
def test_the_deadline_preview_holds_the_other_fields_errors_back(client, staff):
    """ "Show the deadline" shows the form again: no error summary, no field marked invalid."""
    client.force_login(staff)
    response = client.post("/issues/new/", {"preview": "1", "deadline_working_days": "5"})
    body = response.content.decode()
    assert "data-error-summary" not in body
    assert 'aria-invalid="true"' not in body
    assert re.search(r'id="deadline-preview"', body)


def test_a_required_choice_without_the_required_attribute_is_announced_as_required():
    """A select with no empty choice gets no ``required`` from Django: aria-required says it."""
    from issues.forms import DecideExtensionForm

    group = DecideExtensionForm()["decision"].as_field_group()
    assert 'aria-required="true"' in group
    assert "field-required" in group
