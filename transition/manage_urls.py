"""Creating engagements and administering one (PMO), under /engagements/."""

from django.urls import path

from transition.views import engagement_admin, planning

app_name = "manage"

urlpatterns = [
    path("new/", planning.new_engagement, name="engagement-new"),
    path("<uuid:public_id>/admin/", engagement_admin.engagement_admin, name="engagement-admin"),
    path("<uuid:public_id>/admin/members/", engagement_admin.add_member, name="member-add"),
    path(
        "<uuid:public_id>/admin/members/<uuid:member_id>/",
        engagement_admin.change_member,
        name="member-change",
    ),
    path(
        "<uuid:public_id>/admin/members/<uuid:member_id>/remove/",
        engagement_admin.remove_member,
        name="member-remove",
    ),
    path("<uuid:public_id>/admin/status/", engagement_admin.change_status, name="status"),
    path("<uuid:public_id>/admin/reschedule/", engagement_admin.reschedule, name="reschedule"),
]
