"""`make bench`: the figures that say whether the design is better, each one a
count or a ratio taken in one run against a reference measured in the same run
on the same local emulator (the machines here are shared and noisy, so an
absolute millisecond figure means little on its own).

Run with ``python -m bench`` (``make bench``). Modules, one per benchmark:
``registration`` (burst and growth, ours against ``seed_design``),
``operations`` (AWS calls per operation, counted by ``awscalls``),
``cold_start``, ``end_to_end``, ``classifier``, ``package``, ``sms``;
``harness`` starts the emulator and the local stage, ``report`` makes the table.
"""
