#!/usr/bin/python3
"""A plain TCP flow, the competing traffic of the LEDBAT test.

  tcp_flow.py sink BIND_IP     -> prints "port N", then reads and discards until the sender closes
  tcp_flow.py source HOST PORT SECONDS -> sends zeros for SECONDS, then closes; prints the bytes sent

The source uses CUBIC, the loss-based congestion control most TCP traffic uses, whatever the
machine's default is (BBR, for one, keeps queues short by itself and so never shows LEDBAT
the delay it yields to).
"""
import socket
import sys
import time


def sink(bind):
    server = socket.socket()
    server.bind((bind, 0))
    server.listen(1)
    print("port %d" % server.getsockname()[1], flush=True)
    conn, _ = server.accept()
    total = 0
    while True:
        data = conn.recv(1 << 16)
        if not data:
            break
        total += len(data)
    print("received %d" % total, flush=True)


def source(host, port, seconds):
    conn = socket.socket()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
    conn.connect((host, int(port)))
    block = bytes(1 << 14)
    total = 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        total += conn.send(block)
    conn.close()
    print("sent %d" % total, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(sys.argv[2])
    else:
        source(*sys.argv[2:5])
