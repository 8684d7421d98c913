"""The embedded broker: a folder of message files that web, worker and beat share, no server.

kombu's own filesystem transport (5.7) loses the worker to a race: ``_put`` creates the
message file and only then writes it, and a consumer's ``_get`` can move and read the empty
file in between (``JSONDecodeError``, the worker exits; celery/kombu#1551). It is also slow:
each ``_get`` lists and sorts the whole folder, and whenever the worker's prefetch window is
full it sleeps a whole second before looking again.

This transport keeps kombu's folder layout and fixes both:
- a message is written under a hidden temporary name and renamed into place, so a consumer
  only ever sees complete files (rename is atomic on one file system);
- a consumer claims a message by renaming it into its own claim folder: of two consumers
  racing for one file exactly one rename succeeds, the other moves on (no duplicate);
- the folder is listed once for every queue and the names worked through until they run
  out, not once per message and queue; the poll pauses briefly while messages are flowing,
  longer only when idle.

Registered as ``folder://`` (``CELERY_BROKER_URL``'s default when ``REDIS_URL`` is unset).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import uuid
from collections import defaultdict, deque
from pathlib import Path
from time import monotonic, sleep, time_ns

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SCHEME = "folder"
# While messages were found within the last second, look again after this long...
BUSY_PAUSE = 0.002
# ... and, once idle, after this long (the latency of a first message after a quiet spell).
IDLE_PAUSE = 0.1
# A queue that ran out of names is listed again after this long if the last listing had
# messages for it (they are flowing), after IDLE_PAUSE if it had none (an idle queue, such as
# the remote-control one, must not list a folder of thousands of tasks every few ms).
RELIST_SECONDS = 0.02

_sequence = itertools.count()


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._listed: dict[str, deque[str]] = defaultdict(deque)
        self._listed_at = -IDLE_PAUSE
        self._flowing: set[str] = set()
        self._claims: Path | None = None

    def _put(self, queue, payload, **kwargs):
        # Names sort in the order they were sent (the nanosecond clock, then a counter).
        name = f"{time_ns():020d}{next(_sequence) % 1000:03d}_{uuid.uuid4().hex}.{queue}.msg"
        folder = Path(self.data_folder_out)
        temporary = folder / f".{name}.tmp"
        try:
            temporary.write_bytes(str_to_bytes(dumps(payload)))
            os.rename(temporary, folder / name)
        except OSError as failure:
            temporary.unlink(missing_ok=True)
            raise filesystem.ChannelError(f"Cannot add {name!r} to {folder}") from failure

    def _list(self) -> None:
        """One listing of the folder for every queue (the worker polls several: its task
        queue and its remote-control queue), at most every RELIST_SECONDS."""
        self._listed_at = monotonic()
        listed: dict[str, deque[str]] = defaultdict(deque)
        for name in sorted(os.listdir(self.data_folder_in)):
            if not name.startswith(".") and name.endswith(".msg"):
                listed[name.partition(".")[2][:-4]].append(name)
        self._listed = listed
        self._flowing = {queue for queue, names in listed.items() if names}

    def _claim_folder(self) -> Path:
        if self._claims is None:
            self._claims = Path(self.processed_folder) / (
                f"claims-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            )
            self._claims.mkdir(parents=True, exist_ok=True)
        return self._claims

    def _get(self, queue):
        names = self._listed[queue]
        wait = RELIST_SECONDS if queue in self._flowing else IDLE_PAUSE
        if not names and monotonic() - self._listed_at >= wait:
            self._list()
            names = self._listed[queue]
        folder = self.data_folder_in
        while names:
            name = names.popleft()
            claimed = self._claim_folder() / name
            try:
                os.rename(os.path.join(folder, name), claimed)
            except FileNotFoundError:
                continue  # another consumer took it first
            try:
                payload = claimed.read_bytes()
            finally:
                claimed.unlink(missing_ok=True)
            self.connection.busy_until = monotonic() + 1.0
            return loads(bytes_to_str(payload))
        raise filesystem.Empty()

    def close(self):
        super().close()
        # Anything still in the claim folder was read already; the folder itself goes.
        if self._claims is not None:
            with contextlib.suppress(OSError):
                self._claims.rmdir()


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = SCHEME
    driver_name = SCHEME
    busy_until = 0.0

    def drain_events(self, connection, timeout=None):
        started = monotonic()
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except filesystem.Empty:
                now = monotonic()
                if timeout is not None and now - started >= timeout:
                    raise TimeoutError() from None
                pause = BUSY_PAUSE if now < self.busy_until else IDLE_PAUSE
                if timeout is not None:
                    pause = min(pause, max(timeout - (now - started), 0))
                sleep(pause)


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"


def make_folders(options: dict) -> None:
    """The folders must exist before the first message is sent or read."""
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if folder := options.get(key):
            Path(folder).mkdir(parents=True, exist_ok=True)


def make_embedded_broker_folders() -> None:
    """The embedded broker needs its folders before the first message is sent or read."""
    from celery import current_app

    if str(current_app.conf.broker_url).startswith(f"{SCHEME}://"):
        make_folders(current_app.conf.broker_transport_options)
