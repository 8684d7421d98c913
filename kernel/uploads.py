"""Uploads larger than anything the product accepts are counted as they arrive, never stored.

Django's default handlers write every uploaded file to memory or a temporary file before a
form or service sees it, so a file far over the limit would still fill the disk before it was
refused. ``CountOversizedUploads`` runs first: when a request's body is larger than
``UPLOAD_MAX_BYTES`` (the largest file any form takes) plus room for the other fields, it
keeps only each file's name and byte count. The form or service then refuses the file with
the size it really had, as for any other file over its limit.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

# Room for the form's other fields and the multipart framing around the file.
FORM_ROOM_BYTES = 64 * 1024


class OversizedUpload(UploadedFile):
    """A file too large to keep: its name, type and size, and no content."""

    def __init__(self, *, name: str, size: int, content_type: str, charset: str | None):
        super().__init__(
            file=io.BytesIO(), name=name, content_type=content_type, size=size, charset=charset
        )


class CountOversizedUploads(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``; passes everything on unless the body is too large."""

    oversized = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.oversized = content_length > settings.UPLOAD_MAX_BYTES + FORM_ROOM_BYTES

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self.oversized:
            return raw_data
        self.received += len(raw_data)
        return None  # the handlers after this one (memory, temporary file) get nothing

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None
        return OversizedUpload(
            name=self.file_name,
            size=self.received,
            content_type=self.content_type,
            charset=self.charset,
        )
