#!/usr/bin/python3
"""Fake systemd notify socket for tests.

Usage: notify-listen.py SOCKET_PATH OUT_FILE
Binds an AF_UNIX datagram socket at SOCKET_PATH and appends every datagram
received to OUT_FILE, one message per line with newlines inside a message
replaced by '|'. Exits on SIGTERM or after 120 s."""
import os
import signal
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(1.0)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.alarm(120)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        f.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")
