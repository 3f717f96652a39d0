from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "accord.web"
    label = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        # The top app wires the lifecycle hooks: by now every app's models are loaded, and
        # accord.wiring may import any of them (it sits above them all).
        from django.contrib import admin

        from accord.wiring import wire

        wire()
        # Django's admin under the product's name, in the reader's language.
        admin.site.site_header = _("Accord administration")
        admin.site.site_title = _("Accord administration")
        admin.site.index_title = _("Data of every app")
