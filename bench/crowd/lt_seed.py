#!/usr/bin/python3
"""A libtorrent 2.0.8 seed with its high-performance-seed settings, for the crowd bench.

  lt_seed.py TORRENT SAVE_DIR MAX_PEERS
Listens on 127.0.0.1 (a free port, printed as "port N"), TCP only, no DHT/LSD/UPnP; the data is
trusted (seed_mode). Prints "seeding" once it is, then runs until killed.
"""
import sys
import time

import libtorrent as lt

torrent, save, max_peers = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = lt.high_performance_seed()
settings.update({
    "listen_interfaces": "127.0.0.1:0",
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_incoming_utp": False, "enable_outgoing_utp": False,
    "allow_multiple_connections_per_ip": True,
    "connections_limit": max(settings.get("connections_limit", 8000), max_peers + 100),
})
session = lt.session(settings)
handle = session.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save, "flags": lt.torrent_flags.seed_mode})
handle.set_max_connections(max_peers + 100)
print("port", session.listen_port(), flush=True)
while not handle.status().is_seeding:
    time.sleep(0.1)
print("seeding", flush=True)
while True:
    time.sleep(3600)
