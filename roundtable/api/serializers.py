"""What the API shows of each resource. Names follow the reader's language (the token
owner's, or the session's), and each choice comes with its label in that language."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.models import Department
from issues.models import TEXT_MAX, TITLE_MAX, Assignment, ExtensionRequest, Issue
from roundtable.enterprises.models import Enterprise
from roundtable.meetings.models import Meeting


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DepartmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "name_zh", "name_en", "kind", "is_active"]


class EnterpriseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "name_zh",
            "name_en",
            "credit_code",
            "country",
            "industry",
            "is_active",
        ]


def _ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


class AssignmentSerializer(serializers.ModelSerializer):
    department = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "department",
            "role",
            "role_label",
            "status",
            "status_label",
            "is_current",
            "assigned_at",
            "responded_at",
            "return_reason",
        ]

    @extend_schema_field(NamedRefSerializer)
    def get_department(self, obj) -> dict:
        return _ref(obj.department)


class IssueSerializer(serializers.ModelSerializer):
    """An issue as the ledger lists it."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    enterprise = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    lead_department = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = [
            "id",
            "reference",
            "title",
            "status",
            "status_label",
            "priority",
            "priority_label",
            "source",
            "source_label",
            "enterprise",
            "category",
            "lead_department",
            "raised_on",
            "deadline",
            "concluded_on",
            "updated_at",
            "version",
        ]

    @extend_schema_field(NamedRefSerializer)
    def get_enterprise(self, obj) -> dict:
        return _ref(obj.enterprise)

    @extend_schema_field(NamedRefSerializer)
    def get_category(self, obj) -> dict:
        return _ref(obj.category)

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_lead_department(self, obj) -> dict | None:
        return _ref(obj.lead_department)


class IssueDetailSerializer(IssueSerializer):
    """An issue with what its page shows: the description, the assignments, the outcome."""

    assignments = AssignmentSerializer(many=True, read_only=True, source="api_assignments")
    satisfaction_label = serializers.CharField(source="get_satisfaction_display", read_only=True)

    class Meta(IssueSerializer.Meta):
        fields = [
            *IssueSerializer.Meta.fields,
            "description",
            "follow_up_requirement",
            "original_deadline",
            "resolution",
            "closed_at",
            "satisfaction",
            "satisfaction_label",
            "reopened_count",
            "created_at",
            "assignments",
        ]


class IssueCreateSerializer(serializers.Serializer):
    """Log an issue, and assign it at once with a lead department and a deadline (given as a
    date or as working days). Checked by the same form as the page's (issues/forms.py)."""

    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    enterprise = serializers.IntegerField()
    other_enterprises = serializers.ListField(child=serializers.IntegerField(), required=False)
    category = serializers.IntegerField()
    source = serializers.ChoiceField(choices=Issue.Source.choices)
    meeting = serializers.IntegerField(required=False, allow_null=True)
    raised_on = serializers.DateField(required=False)
    priority = serializers.ChoiceField(choices=Issue.Priority.choices, required=False)
    follow_up_requirement = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX
    )
    monitor = serializers.IntegerField(required=False, allow_null=True)
    lead_department = serializers.IntegerField(required=False, allow_null=True)
    co_departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    deadline = serializers.DateField(required=False, allow_null=True)
    deadline_working_days = serializers.IntegerField(required=False, allow_null=True)


class IssueUpdateSerializer(serializers.Serializer):
    """The facts of an issue that an edit may change; a PATCH sends those it changes.
    Checked by the edit page's form."""

    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    enterprise = serializers.IntegerField(required=False)
    other_enterprises = serializers.ListField(child=serializers.IntegerField(), required=False)
    category = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(choices=Issue.Source.choices, required=False)
    meeting = serializers.IntegerField(required=False, allow_null=True)
    raised_on = serializers.DateField(required=False)
    priority = serializers.ChoiceField(choices=Issue.Priority.choices, required=False)
    follow_up_requirement = serializers.CharField(
        required=False, allow_blank=True, max_length=TEXT_MAX
    )
    monitor = serializers.IntegerField(required=False, allow_null=True)


class ProgressSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class ConclusionSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=TEXT_MAX)
    concluded_on = serializers.DateField(required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Issue.Satisfaction.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class AssignSerializer(serializers.Serializer):
    lead_department = serializers.IntegerField()
    co_departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    responsible_person = serializers.IntegerField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    deadline_working_days = serializers.IntegerField(required=False, allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    # The system's own entries are phrases, worded in the reader's language.
    body = serializers.CharField(source="shown_body")
    author = serializers.CharField(source="author.display_name", default="")
    department = serializers.CharField(source="department.name", default="")
    created_at = serializers.DateTimeField()


class ProgressEntrySerializer(serializers.Serializer):
    """A progress update or a reported conclusion, as the issue's timeline shows it."""

    id = serializers.IntegerField()
    body = serializers.CharField(source="shown_body")
    author = serializers.CharField(source="author.display_name", default="")
    department = serializers.CharField(source="department.name", default="")
    assignment = serializers.IntegerField(source="assignment_id", allow_null=True)
    created_at = serializers.DateTimeField()


class ExtensionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.CharField(source="requested_by.display_name", default="")
    decided_by = serializers.CharField(source="decided_by.display_name", default="")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "status_label",
            "current_deadline",
            "requested_deadline",
            "reason",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class ExtensionAskSerializer(serializers.Serializer):
    requested_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=TEXT_MAX)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["grant", "refuse"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class InstructionSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_MAX)


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as the meetings list shows it."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    form_label = serializers.CharField(source="get_form_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_label",
            "topic",
            "business_fields",
            "countries",
            "form",
            "form_label",
            "venue",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "intake_closes_on",
            "minutes_published_at",
        ]


class KpiSerializer(serializers.Serializer):
    """One KPI: a count, or a rate with the counts it divides (``value`` None when there was
    nothing to measure), or a median of working days."""

    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "rate", "median"])
    now = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True)
    part = serializers.IntegerField(allow_null=True)
    whole = serializers.IntegerField(allow_null=True)


class KpiReportSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    department = NamedRefSerializer(allow_null=True)
    kpis = KpiSerializer(many=True)
