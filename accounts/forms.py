import functools
import ipaddress

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from accounts import services

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted_proxy(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_address(request) -> str:
    """The address sign-in failures are counted against.

    The peer's address, unless the peer is one of settings.TRUSTED_PROXIES: then the right-most
    address in X-Forwarded-For that is not a trusted proxy, the one our own proxy saw. Anything
    left of it was written by the client and is ignored, so is the header from anyone else.
    """
    address = request.META.get("REMOTE_ADDR") or "unknown"
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _is_trusted_proxy(address, networks):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        address = hop[:64]
        if not _is_trusted_proxy(address, networks):
            break
    return address


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
