"""The embedded default channel layer.

Channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired
messages on each ``receive``: with N connections each receiving a broadcast,
that is N × N work per message (a room of 1,000 people fell minutes behind in
the live-room benchmark). This subclass sweeps at most once a second; expiry
itself is unchanged.
"""

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()
