"""/api-tokens/: tenant admins issue and revoke API tokens in the browser."""

from django.urls import path

from api import views

app_name = "api-tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<uuid:public_id>/revoke/", views.revoke, name="revoke"),
]
