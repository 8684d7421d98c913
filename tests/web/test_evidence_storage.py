"""Where evidence files are stored: local disk by default, a bucket when one is named."""

from pathlib import Path

from tests.test_settings_modes import run_django

SHOW_STORAGE = (
    "from django.core.files.storage import storages; s = storages['default'];"
    "print(type(s).__name__, getattr(s, 'bucket_name', None) or s.location)"
)


def test_files_go_to_var_media_by_default():
    result = run_django("bpo_transition.settings.local", "shell", "-c", SHOW_STORAGE)

    assert result.returncode == 0, result.stderr
    backend, location = result.stdout.strip().splitlines()[-1].split()
    assert backend == "FileSystemStorage"
    assert Path(location) == Path(__file__).resolve().parents[2] / "var" / "media"


def test_a_named_bucket_stores_files_in_s3_compatible_storage():
    result = run_django(
        "bpo_transition.settings.local",
        "shell",
        "-c",
        SHOW_STORAGE,
        EVIDENCE_S3_BUCKET="transition-evidence",
        EVIDENCE_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )

    assert result.returncode == 0, result.stderr
    backend, bucket = result.stdout.strip().splitlines()[-1].split()
    assert (backend, bucket) == ("S3Storage", "transition-evidence")
