"""PostgreSQL server settings that N tenant schemas need on the RADIUS path.

Every pooled backend serving FreeRADIUS touches about 31 relation files per tenant (seven tables,
their indexes and sequences; the planner sizes every index of a table it plans) and keeps a file
descriptor for each while max_files_per_process allows: with the default of 1000, a backend
serving 1000 tenants closes and reopens files on every query. The tenants' hot pages (about
0.3 MB each) must stay in shared_buffers: with the default 128 MB, 1000 tenants ran at 50% buffer
hits. Measured with bench/radius.py at 1000 tenants (nas mode, pool of 8): accepts/s 0.57 of a
single-schema server with the defaults, 0.75 sized.

Settings are sized for a capacity rounded up to a power of two, so that adding a tenant does not
change them (for runtime: docker a change restarts the database container).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

FILES_PER_TENANT = 40  # 31 measured, plus free space map / visibility map forks
BASE_FILES = 1000  # PostgreSQL's default, for everything that is not a tenant relation
HOT_MB_PER_TENANT = 0.5  # about 0.3 MB measured, with headroom for growing tables
BASE_SHARED_BUFFERS_MB = 128  # PostgreSQL's default
MIN_CAPACITY = 256


def capacity(schema_tenants: int) -> int:
    """Tenants the settings are sized for: the next power of two, at least MIN_CAPACITY."""
    return max(MIN_CAPACITY, 1 << max(0, math.ceil(math.log2(max(schema_tenants, 1)))))


def sized_settings(schema_tenants: int, *, fd_limit: int | None = None) -> dict[str, str]:
    """postgresql.conf settings for this many schema tenants. fd_limit: the server's RLIMIT_NOFILE,
    when lower than what the tenants need (the setting is then capped below it)."""
    cap = capacity(schema_tenants)
    files = BASE_FILES + FILES_PER_TENANT * cap
    if fd_limit is not None:
        files = min(files, fd_limit - 100)  # PostgreSQL keeps some descriptors for itself
    shared_mb = BASE_SHARED_BUFFERS_MB + math.ceil(HOT_MB_PER_TENANT * cap)
    return {"max_files_per_process": str(files), "shared_buffers": f"{shared_mb}MB"}


def open_files_limit(settings: Mapping[str, str]) -> int:
    """RLIMIT_NOFILE the server process needs for these settings."""
    return int(settings["max_files_per_process"]) + 1000


_UNITS_KB = {"kB": 1, "MB": 1024, "GB": 1024 * 1024, "TB": 1024 * 1024 * 1024}


def _kb(value: str, where: str) -> int:
    """A memory setting as SHOW prints it ('128MB', '8GB', '16384kB'), in kB."""
    m = re.fullmatch(r"\s*(\d+)\s*(kB|MB|GB|TB)\s*", value)
    if not m:
        raise ValueError(f"{where}: cannot read {value!r} as a memory size")
    return int(m.group(1)) * _UNITS_KB[m.group(2)]


def shortfalls(actual: Mapping[str, str], schema_tenants: int) -> list[str]:
    """What a running server (SHOW values) lacks for this many tenants, one sentence each."""
    want = sized_settings(schema_tenants)
    tenants = f"up to {capacity(schema_tenants)} tenant schemas"
    out = []
    if int(actual["max_files_per_process"]) < int(want["max_files_per_process"]):
        out.append(f"max_files_per_process is {actual['max_files_per_process']}; {tenants} "
                   f"need {want['max_files_per_process']} (and an open-files limit of "
                   f"{open_files_limit(want)}), or every RADIUS query reopens files")
    if _kb(actual["shared_buffers"], "shared_buffers") < _kb(want["shared_buffers"], "sized shared_buffers"):
        out.append(f"shared_buffers is {actual['shared_buffers']}; {tenants} need "
                   f"{want['shared_buffers']}, or RADIUS queries read from the OS cache")
    return out
