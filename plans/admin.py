from django.contrib import admin

from kernel.admin_base import ReadOnlyDomainAdmin
from plans.models import PlanUpload


@admin.register(PlanUpload)
class PlanUploadAdmin(ReadOnlyDomainAdmin):
    list_display = ("file_name", "engagement", "uploaded_by", "uploaded_at")
    exclude = ("content",)
    list_select_related = ("engagement", "uploaded_by")
