#!/usr/bin/python3
"""A libtorrent 2.0.8 seed with its high-performance-seed settings, for the crowd bench.

  lt_seed.py TORRENT SAVE_DIR MAX_PEERS
Listens on 127.0.0.1 (a free port, printed as "port N"), TCP only, no DHT/LSD/UPnP; the data is
trusted (seed_mode). Prints "seeding" once it is, then runs until killed, printing every 5 s why it closed peers
(its peer_disconnected and peer_error alerts, counted by message).
"""
import collections
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
    "max_peerlist_size": max(3000, max_peers + 100),  # the default 3,000 turns away incoming peers past it
    "alert_mask": lt.alert.category_t.peer_notification | lt.alert.category_t.error_notification | lt.alert.category_t.connect_notification,
})
session = lt.session(settings)
handle = session.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save, "flags": lt.torrent_flags.seed_mode})
print("port", session.listen_port(), flush=True)
while not handle.status().is_seeding:
    time.sleep(0.1)
print("seeding", flush=True)
closed = collections.Counter()
while True:
    session.wait_for_alert(5000)
    for alert in session.pop_alerts():
        if isinstance(alert, (lt.peer_disconnected_alert, lt.peer_error_alert)):
            closed[f"{type(alert).__name__}: {alert.error.message()}"] += 1
    if closed:
        print("closed:", dict(closed), flush=True)
