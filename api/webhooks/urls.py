"""/webhooks/: tenant admins manage webhooks and read their delivery log in the browser."""

from django.urls import path

from api.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<uuid:public_id>/", views.webhook_detail, name="detail"),
    path("<uuid:public_id>/toggle/", views.toggle, name="toggle"),
    path("<uuid:public_id>/deliveries/<uuid:delivery_id>/resend/", views.resend, name="resend"),
]
