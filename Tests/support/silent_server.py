"""A loopback server that accepts connections and never answers: what a hung Milvus or
object store looks like to a client. For the tests of timeouts and interrupts."""
from __future__ import annotations

import socket
import threading


class SilentServer:
    """`with SilentServer() as server:` listens on 127.0.0.1 (`server.url`); `accepted` is set
    once a connection is in (a request is on its way); `connections` counts them."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def connections(self) -> int:
        return len(self.held)

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.listener.accept()[0])
            except OSError:  # the listener was closed
                return
            self.accepted.set()

    def __enter__(self) -> "SilentServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(5)
        for conn in self.held:
            conn.close()
