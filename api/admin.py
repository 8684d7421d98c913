from django.contrib import admin

from api.models import ApiToken, IdempotencyKey, WebhookDelivery, WebhookSubscription
from kernel.admin_base import ReadOnlyDomainAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyDomainAdmin):
    list_display = (
        "name",
        "prefix",
        "user",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only",)
    list_select_related = ("user",)
    exclude = ("digest",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyDomainAdmin):
    list_display = ("key", "caller", "response_status", "created_at")
    # The stored responses stay out of the admin: they are the API's, not a person's.
    exclude = ("response_body", "response_headers")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyDomainAdmin):
    list_display = ("url", "active", "consecutive_failures", "created_at")
    list_filter = ("active",)
    # The signing secret is shown once, to the admin who created the webhook.
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyDomainAdmin):
    list_display = ("event_type", "status", "attempts", "response_code", "created_at")
    list_filter = ("status",)
    exclude = ("payload",)
