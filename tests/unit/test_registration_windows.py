"""Near full, the free numbers are read in windows that together cover the space."""

from __future__ import annotations


def test_the_windows_cover_the_whole_space_from_any_start(monkeypatch):
    from chalicelib.registration import store

    for space, window in ((60, 16), (10_000, 256), (7, 7), (1, 256)):
        monkeypatch.setattr(store, "WINDOW", window)
        for start in {0, 1, space // 2, space - 1}:
            seen: list[int] = []
            def full(_event, block, seen=seen, space=space, window=window):
                numbers = range(block * window, min((block + 1) * window, space))
                seen.extend(numbers)
                return set(numbers)

            monkeypatch.setattr(store, "used_in_block", full)
            assert store.free_numbers_near("e", space, start) == []
            assert sorted(seen) == list(range(space))
