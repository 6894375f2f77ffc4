import pytest

from tenant_sql.server_sizing import capacity, open_files_limit, shortfalls, sized_settings


def test_capacity_is_a_power_of_two_so_one_more_tenant_changes_nothing():
    assert [capacity(n) for n in (0, 1, 256, 257, 1000, 1024, 1025)] == [256, 256, 256, 512, 1024, 1024, 2048]
    assert sized_settings(600) == sized_settings(1000)


def test_thousand_tenants_get_files_and_buffers_for_all_of_them():
    s = sized_settings(1000)
    assert s == {"max_files_per_process": str(1000 + 40 * 1024), "shared_buffers": f"{128 + 512}MB"}
    assert open_files_limit(s) == 1000 + 40 * 1024 + 1000


def test_a_low_open_files_limit_caps_the_setting():
    assert sized_settings(1000, fd_limit=20000)["max_files_per_process"] == "19900"


def test_shortfalls_name_the_setting_and_what_is_needed():
    assert shortfalls({"max_files_per_process": "1000", "shared_buffers": "128MB"}, 10) == [
        "max_files_per_process is 1000; up to 256 tenant schemas need 11240 (and an open-files limit of 12240), "
        "or every RADIUS query reopens files",
        "shared_buffers is 128MB; up to 256 tenant schemas need 256MB, or RADIUS queries read from the OS cache",
    ]
    assert shortfalls({"max_files_per_process": "50000", "shared_buffers": "8GB"}, 1000) == []
    assert shortfalls({"max_files_per_process": "50000", "shared_buffers": "262144kB"}, 200) == []


def test_an_unreadable_memory_size_names_the_setting():
    with pytest.raises(ValueError, match="shared_buffers: cannot read '1 bucket'"):
        shortfalls({"max_files_per_process": "50000", "shared_buffers": "1 bucket"}, 1)
