"""A local SMTP server's mailbox (aiosmtpd)."""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import Message
from typing import Any


class Mailbox:
    """Messages received by the local SMTP server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]
