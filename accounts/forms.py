from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from accounts import services


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": (
            "Too many failed sign-in attempts. Wait %(minutes)d minutes before trying again."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if services.login_locked_out(username=username, address=address):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as refused:
            if refused.code == "invalid_login":
                services.record_failed_login(username=username, address=address)
            raise
        services.clear_failed_logins(username=username, address=address)
        return cleaned

    @property
    def locked_out(self) -> bool:
        return any(error.code == "locked" for error in self.errors.as_data().get("__all__", []))


class TenantSwitchForm(forms.Form):
    tenant = forms.UUIDField()
