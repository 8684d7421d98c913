"""Creating engagements and administering one (PMO), under /engagements/: the page and its
team and status actions are the engagement app's; removing a person and rescheduling span apps."""

from django.urls import path

from engagements import views as engagements
from transition.views import engagement_admin, planning

app_name = "manage"

urlpatterns = [
    path("new/", planning.new_engagement, name="engagement-new"),
    path("<uuid:public_id>/admin/", engagements.engagement_admin, name="engagement-admin"),
    path("<uuid:public_id>/admin/members/", engagements.add_member, name="member-add"),
    path(
        "<uuid:public_id>/admin/members/<uuid:member_id>/",
        engagements.change_member,
        name="member-change",
    ),
    path(
        "<uuid:public_id>/admin/members/<uuid:member_id>/remove/",
        engagement_admin.remove_member,
        name="member-remove",
    ),
    path("<uuid:public_id>/admin/status/", engagements.change_status, name="status"),
    path("<uuid:public_id>/admin/reschedule/", engagement_admin.reschedule, name="reschedule"),
]
