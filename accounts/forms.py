from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms

from accounts import sso


class LoginForm(AllauthLoginForm):
    """django-allauth's sign-in form (its throttling, its second-factor stage), keeping the
    field people and password managers know: ``username``."""

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "user", None)
        if user is not None and not sso.local_password_allowed(user):
            raise forms.ValidationError(
                "Your organisation signs you in through its own provider: use “Sign in with "
                "your organisation” below.",
                code="sso_only",
            )
        return cleaned

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


class SignOnStartForm(forms.Form):
    email = forms.EmailField(label="Work e-mail")
