"""A small Debug Adapter Protocol client that plays VS Code's part against debugpy's own adapter.

Messages are JSON with a `Content-Length` header, over a byte stream: the adapter's stdin and
stdout (VS Code runs it so for a launch), or a TCP socket (an attach, and every child process),
reached through a relay inside the container. Requests the adapter sends back (`runInTerminal`,
`startDebugging`) are answered as VS Code answers them.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]

# What VS Code says of itself in `initialize` (its DAP client's capabilities).
VS_CODE = {
    "clientID": "vscode",
    "clientName": "Visual Studio Code",
    "adapterID": "debugpy",
    "pathFormat": "path",
    "linesStartAt1": True,
    "columnsStartAt1": True,
    "supportsVariableType": True,
    "supportsVariablePaging": True,
    "supportsRunInTerminalRequest": True,
    "supportsProgressReporting": True,
    "supportsInvalidatedEvent": True,
    "supportsMemoryReferences": True,
    "supportsArgsCanBeInterpretedByShell": True,
    "supportsStartDebuggingRequest": True,
    "locale": "en",
}

# Run inside the container: joins this process's stdin and stdout to a TCP socket there, as VS
# Code joins a session to an adapter's port. Retries while nothing listens yet.
RELAY = """
import socket, sys, threading, time
deadline = time.monotonic() + float(sys.argv[3])
while True:
    try:
        sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
def upstream():
    while data := sys.stdin.buffer.read1(65536):
        sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
threading.Thread(target=upstream, daemon=True).start()
while data := sock.recv(65536):
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
"""


class DebugSession:
    """One DAP connection: the client's end of it, over a process's stdin and stdout."""

    def __init__(self, command: list[str], name: str) -> None:
        self.name = name
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the session)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log
        )
        self.seq = 0
        self.sending = threading.Lock()  # the test's thread and the reader's both send
        self.received: list[Message] = []
        self.arrived = threading.Condition()
        self.answers: dict[str, Callable[[Message], Message]] = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # Wire format: "Content-Length: N\r\n\r\n" and N bytes of JSON.
    def _send(self, message: Message) -> int:
        """Send a message with the next sequence number; that number."""
        with self.sending:
            self.seq += 1
            body = json.dumps({"seq": self.seq, **message}).encode()
            assert self.process.stdin
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()
            return self.seq

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream
        while True:
            headers = {}
            while (line := stream.readline().strip()) != b"":
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            if "content-length" not in headers:
                break  # the stream ended
            message = json.loads(stream.read(int(headers["content-length"])))
            if message["type"] == "request":
                self._answer(message)
            with self.arrived:
                self.received.append(message)
                self.arrived.notify_all()
        with self.arrived:
            self.received.append({"type": "closed"})
            self.arrived.notify_all()

    def _answer(self, request: Message) -> None:
        answer = self.answers.get(request["command"])
        response = {"type": "response", "request_seq": request["seq"], "success": bool(answer)}
        response["command"] = request["command"]
        response["body"] = answer(request["arguments"]) if answer else {}
        self._send(response)

    def send(self, command: str, arguments: Message | None = None) -> int:
        """Send a request; its `seq`, to wait for its response with `response_to`."""
        return self._send({"type": "request", "command": command, "arguments": arguments or {}})

    def wait_for(self, what: str, match: Callable[[Message], bool], timeout: float) -> Message:
        """The first message received that matches, waiting for it; or a failure that says what
        did arrive."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for message in self.received:
                    if match(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0 or self.received[-1:] == [{"type": "closed"}]:
                    raise AssertionError(f"{self.name}: no {what} in {timeout:.0f} s; {self}")
                self.arrived.wait(left)

    def has_event(self, name: str) -> bool:
        with self.arrived:
            return any(message.get("event") == name for message in self.received)

    def response_to(self, seq: int, timeout: float = 120) -> Message:
        response = self.wait_for(
            f"response to request {seq}",
            lambda m: m["type"] == "response" and m["request_seq"] == seq,
            timeout,
        )
        assert response["success"], f"{self.name}: {response}"
        return response.get("body", {})

    def request(
        self, command: str, arguments: Message | None = None, timeout: float = 120
    ) -> Message:
        return self.response_to(self.send(command, arguments), timeout)

    def event(self, name: str, timeout: float = 120) -> Message:
        """The body of the first `name` event."""
        event = self.wait_for(f"{name!r} event", lambda m: m.get("event") == name, timeout)
        return event.get("body") or {}

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __str__(self) -> str:
        kinds = [m.get("event") or m.get("command") or m["type"] for m in self.received]
        self.log.seek(0)
        errors = self.log.read().decode(errors="replace")[-3000:]
        return f"received: {kinds}; output: {errors}"
