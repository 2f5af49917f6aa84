import itertools
from datetime import date

import factory
from django.contrib.auth.models import Group
from django.test import Client

from departments.models import Department, DepartmentMembership
from issues.models import Assignment, Category, Issue
from issues.references import format_reference
from roundtable.accounts.models import User
from roundtable.enterprises.models import Enterprise, EnterpriseContact
from roundtable.lib.uscc import check_character

_codes = itertools.count(1)


def valid_uscc(n: int | None = None) -> str:
    n = next(_codes) if n is None else n
    first17 = f"91500103{n:09d}"
    return first17 + check_character(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    preferred_language = "en"
    password = factory.django.Password("roundtable-demo")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name_zh = factory.Sequence(lambda n: f"测试部门{n}")
    name_en = factory.Sequence(lambda n: f"Test Department {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentMembership

    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory)
    role = DepartmentMembership.Role.LIAISON
    # Long before any day a test pins, and the same whatever today is.
    started_on = date(2020, 1, 1)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name_zh = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    name_en = factory.Sequence(lambda n: f"Test Enterprise {n} Co., Ltd.")
    credit_code = factory.LazyFunction(valid_uscc)
    country = "DE"
    industry = "Manufacturing"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


_issue_numbers = itertools.count(90000)


class IssueFactory(factory.django.DjangoModelFactory):
    """An issue made directly (no service): for fixtures that need a given state."""

    class Meta:
        model = Issue

    title = factory.Sequence(lambda n: f"Issue {n}")
    description = "Described."
    enterprise = factory.SubFactory(EnterpriseFactory)
    category = factory.SubFactory(CategoryFactory)
    source = Issue.Source.MEETING
    year = 2026
    sequence = factory.LazyFunction(lambda: next(_issue_numbers))
    reference = factory.LazyAttribute(lambda o: format_reference(o.year, o.sequence))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    issue = factory.SubFactory(IssueFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Assignment.Role.LEAD

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # What issues.services does when it assigns: keep Issue.lead_department in step.
        if create and instance.role == Assignment.Role.LEAD:
            Issue.objects.filter(pk=instance.issue_id).sync_lead_department()
            instance.issue.refresh_from_db(fields=["lead_department"])


def client_as(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def lead_of(issue) -> Assignment:
    return issue.assignments.current().get(role=Assignment.Role.LEAD)


def co_of(issue) -> Assignment:
    return issue.assignments.current().get(role=Assignment.Role.CO_HANDLING)


def make_contact(enterprise, *, username, language="en", ended_on=None, name=None, user=None):
    """An enterprise contact with a portal account (password ``roundtable-demo``): the user
    (``is_enterprise_contact``) and its link to ``enterprise``, ended on ``ended_on`` if
    given. Pass ``user`` to link an existing contact account to another enterprise."""
    if user is None:
        user = UserFactory(
            username=username,
            full_name=name or f"Contact {username}",
            preferred_language=language,
            is_enterprise_contact=True,
        )
    EnterpriseContact.objects.create(
        enterprise=enterprise,
        name=user.full_name,
        email=user.email,
        preferred_language=user.preferred_language,
        user=user,
        ended_on=ended_on,
    )
    return user
