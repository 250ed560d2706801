#!/usr/bin/python3
"""Watches local service discovery (BEP 14) on one interface: joins 239.192.152.143:6771 on the
interface with address ADDRESS and prints "ready", then one JSON line per announce heard:
{"from": "IP", "hashes": [...]} (the Infohash headers, lower case).

  lsd_watch.py ADDRESS [SECONDS]
"""
import json
import socket
import struct
import sys
import time

address = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 300
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("0.0.0.0", 6771))
sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                struct.pack("4s4s", socket.inet_aton("239.192.152.143"), socket.inet_aton(address)))
sock.settimeout(1)
print("ready", flush=True)
deadline = time.time() + seconds
while time.time() < deadline:
    try:
        data, sender = sock.recvfrom(4096)
    except socket.timeout:
        continue
    hashes = [line.split(":", 1)[1].strip().lower() for line in data.decode("ascii", "replace").split("\r\n")
              if line.lower().startswith("infohash:")]
    print(json.dumps({"from": sender[0], "hashes": hashes}), flush=True)
