from django.contrib import admin

from tests.custom_user.models import Journalist


@admin.register(Journalist)
class JournalistAdmin(admin.ModelAdmin):
    # The author form's user field is an autocomplete: it searches these.
    search_fields = ["email"]
