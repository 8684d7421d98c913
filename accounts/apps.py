from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import seen_at_sign_in

        user_logged_in.connect(seen_at_sign_in, dispatch_uid="accounts.seen_at_sign_in")
