"""Create (once) the demo superuser and print its credentials.

The password is random and kept in ``.demo-credentials`` (git-ignored) so a
second ``make demo`` prints the same working credentials instead of a second
account or a password that no longer works.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "editor"


class Command(BaseCommand):
    help = "Create the demo superuser if needed and print how to sign in."

    def handle(self, *args, **options):
        path = settings.BASE_DIR / ".demo-credentials"
        User = get_user_model()
        try:
            stored = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            stored = {}

        user = User.objects.filter(username=USERNAME).first()
        password = stored.get("password")
        if user is None or not password or not user.check_password(password):
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(USERNAME, email="", password=password)
            else:
                user.set_password(password)
                user.is_staff = user.is_superuser = True
                user.save()
            path.write_text(json.dumps({"username": USERNAME, "password": password}))
            path.chmod(0o600)

        self.stdout.write(
            self.style.SUCCESS(
                f"\nSign in at http://127.0.0.1:8000/admin/ with\n  username: {USERNAME}\n  password: {password}\n"
            )
        )
