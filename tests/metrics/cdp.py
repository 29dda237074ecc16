#!/usr/bin/env python3
"""A minimal Chrome DevTools Protocol client (stdlib only) for the dashboard
test: `cdp.py eval PORT EXPRESSION` prints the JSON value of EXPRESSION in
the first page; `cdp.py screenshot PORT FILE` saves a PNG of it."""
import base64
import json
import os
import socket
import struct
import sys
import urllib.request


def page_ws(port):
    pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
    return next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"]


class Ws:
    def __init__(self, url):
        rest = url.split("://", 1)[1]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise RuntimeError("websocket handshake failed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(head.decode(errors="replace"))

    def _read(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise RuntimeError("websocket closed")
            out += chunk
        return out

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            message += self._read(n)
            if b0 & 0x80:
                return message.decode()


def call(ws, method, params):
    ws.send(json.dumps({"id": 1, "method": method, "params": params}))
    while True:
        reply = json.loads(ws.recv())
        if reply.get("id") == 1:
            if "error" in reply:
                raise RuntimeError(reply["error"])
            return reply["result"]


def main():
    what, port = sys.argv[1], int(sys.argv[2])
    ws = Ws(page_ws(port))
    if what == "eval":
        r = call(ws, "Runtime.evaluate", {"expression": sys.argv[3], "returnByValue": True})
        print(json.dumps(r["result"].get("value")))
    elif what == "screenshot":
        r = call(ws, "Page.captureScreenshot", {"format": "png"})
        with open(sys.argv[3], "wb") as f:
            f.write(base64.b64decode(r["data"]))
    else:
        sys.exit("usage: cdp.py eval|screenshot PORT ARG")


if __name__ == "__main__":
    main()
