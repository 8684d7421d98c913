from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms


class LoginForm(AllauthLoginForm):
    """django-allauth's sign-in form (its throttling, its second-factor stage), keeping the
    field people and password managers know: ``username``."""

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix("username" if field_name == "login" else field_name)

    @property
    def locked_out(self) -> bool:
        return any(
            error.code == "too_many_login_attempts"
            for error in self.errors.as_data().get("__all__", [])
        )


class TenantSwitchForm(forms.Form):
    tenant = forms.UUIDField()
