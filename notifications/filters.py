import django_filters

from notifications.models import Kind, Notification


class NotificationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="Show",
        choices=[("unread", "Unread"), ("read", "Read")],
        empty_label="All",
        method="filter_state",
    )
    kind = django_filters.ChoiceFilter(label="Kind", choices=Kind.choices, empty_label="Any kind")

    class Meta:
        model = Notification
        fields = ["state", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filter_state(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "unread")
