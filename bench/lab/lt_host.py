#!/usr/bin/python3
"""One python3-libtorrent host of the multi-office lab: downloads (or seeds) TORRENT into DIR,
listening on ADDR, with libtorrent's stock settings otherwise (LSD on, no DHT: the lab has no
DHT to join). Prints one JSON line {"state": "seeding"} once every piece is verified, and keeps
seeding until it is killed, like `shoal get --seed --json`. TORRENT "-" reads the .torrent from
standard input once the session is up (as `shoal get -` does), so that the lab can start every
host's program first and give them the torrent at once.
    lt_host.py TORRENT DIR ADDR [--seed]"""
import json
import sys
import time

import libtorrent as lt

torrent, save_path, address = sys.argv[1:4]
seeding = "--seed" in sys.argv[4:]
session = lt.session({
    "listen_interfaces": f"{address}:6881",
    "outgoing_interfaces": address,
    "enable_dht": False,
    "enable_upnp": False,
    "enable_natpmp": False,
    "alert_mask": 0,
})
info = lt.torrent_info(lt.bdecode(sys.stdin.buffer.read())) if torrent == "-" else lt.torrent_info(torrent)
params = {"ti": info, "save_path": save_path}
if seeding:
    params["flags"] = lt.torrent_flags.seed_mode
handle = session.add_torrent(params)
reported = False
while True:
    status = handle.status()
    if not reported and status.is_seeding:
        print(json.dumps({"state": "seeding"}), flush=True)
        reported = True
    time.sleep(0.05 if not reported else 1)
