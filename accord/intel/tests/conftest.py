import pytest


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    """Each test stores attachments in a directory of its own."""
    settings.INTEL_ATTACHMENT_DIR = tmp_path / "intel-files"
    return settings.INTEL_ATTACHMENT_DIR
