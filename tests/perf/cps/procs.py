# SPDX-License-Identifier: BSD-3-Clause
"""Processes the CPS harness drives through a prompt, remembered from the moment they start so
that an interrupted run (^C, SIGTERM, a failure half-way through a start) still stops every one of
them by its PID and removes its DPDK runtime directory."""

import harness as h


class Prompted(h.Synfin):
    """tests/integration's Synfin driver, registered before its process starts."""

    live = []

    def __init__(self, *args, **kw):
        Prompted.live.append(self)
        super().__init__(*args, **kw)

    @classmethod
    def stop_all(cls):
        """Kill what is still running (SIGTERM, then SIGKILL), as harness.Synfin.kill does."""
        for p in cls.live:
            if hasattr(p, "proc"):
                p.kill()
        cls.live.clear()
