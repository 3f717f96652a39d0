from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "accord.web"
    label = "web"

    def ready(self) -> None:
        # The top app wires the lifecycle hooks: by now every app's models are loaded, and
        # accord.wiring may import any of them (it sits above them all).
        from accord.wiring import wire

        wire()
