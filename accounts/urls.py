from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("tenants/switch/", views.switch_tenant, name="switch-tenant"),
    path("accounts/sessions/", views.signed_in_sessions, name="sessions"),
    path("accounts/sessions/<int:session_id>/end/", views.end_session, name="end-session"),
]
