#!/usr/bin/python3
"""Sends BEP 14 announces on behalf of a peer: one BT-SEARCH for INFOHASH at PORT, from the
interface with address ADDRESS to 239.192.152.143:6771, once a second for SECONDS (what a
client with local discovery sends, so that a test can put a peer on the LAN that never hears
of others itself).

  lsd_announce.py ADDRESS PORT INFOHASH [SECONDS]
"""
import socket
import sys
import time

address, port, infohash = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 60
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
message = ("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: %d\r\nInfohash: %s\r\ncookie: lsdtest\r\n\r\n\r\n"
           % (port, infohash)).encode("ascii")
deadline = time.time() + seconds
while time.time() < deadline:
    sock.sendto(message, ("239.192.152.143", 6771))
    print("sent", flush=True)
    time.sleep(1)
