"""Mounted at ``engagements/<uuid:engagement_id>/raid/``."""

from django.urls import path

from registers import views, views_escalation

app_name = "registers"

urlpatterns = [
    path("", views.raid_list, name="list"),
    path("new/", views.raid_create, name="create"),
    path("<uuid:item_id>/", views.raid_item, name="item"),
    path("<uuid:item_id>/row/", views.raid_row, name="row"),
    path("<uuid:item_id>/quick-edit/", views.raid_inline, name="inline"),
    path("<uuid:item_id>/close/", views.raid_close, name="close"),
    path("escalation/", views_escalation.escalation, name="escalation"),
    path("escalation/levels/new/", views_escalation.level_create, name="level-create"),
    path("escalation/levels/<uuid:level_id>/", views_escalation.level_edit, name="level-edit"),
    path(
        "escalation/levels/<uuid:level_id>/remove/",
        views_escalation.level_remove,
        name="level-remove",
    ),
    path("decision-rights/new/", views_escalation.right_create, name="right-create"),
    path("decision-rights/<uuid:right_id>/", views_escalation.right_edit, name="right-edit"),
    path(
        "decision-rights/<uuid:right_id>/remove/",
        views_escalation.right_remove,
        name="right-remove",
    ),
]
