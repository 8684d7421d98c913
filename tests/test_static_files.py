"""The production static storage fails collectstatic on any file a CSS or JS file names that
is not there (issue 15): every source map a vendored file points at must be shipped."""

import re
from pathlib import Path

from django.conf import settings

SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=(\S+?)(?:\s*\*/)?\s*$", re.MULTILINE)


def test_every_source_map_a_static_file_names_is_in_the_repository():
    missing = []
    for folder in settings.STATICFILES_DIRS:
        for path in Path(folder).rglob("*"):
            if path.suffix not in {".css", ".js"}:
                continue
            for name in SOURCE_MAP.findall(path.read_text(encoding="utf-8")):
                if not (path.parent / name).exists():
                    missing.append(f"{path.relative_to(folder)} -> {name}")
    assert missing == []
