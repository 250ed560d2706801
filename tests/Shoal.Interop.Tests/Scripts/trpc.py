#!/usr/bin/python3
"""Drives a Transmission RPC server with Debian's python3-transmissionrpc (0.11), which asks
for every torrent field it knows: add, list, rename a path, queue, port test, reannounce, stop,
stats, remove. Prints one JSON line per step.

  trpc.py PORT TORRENT OTHER_TORRENT
"""
import json
import sys

import transmissionrpc

client = transmissionrpc.Client("127.0.0.1", port=int(sys.argv[1]))
print(json.dumps({"step": "connect", "server": list(client.server_version), "rpc": client.rpc_version}), flush=True)
added = client.add_torrent(sys.argv[2])
print(json.dumps({"step": "add", "id": added.id, "name": added.name}), flush=True)
other = client.add_torrent(sys.argv[3])
for t in client.get_torrents():
    if t.id == added.id:
        print(json.dumps({"step": "list", "id": t.id, "name": t.name, "status": t.status,
                          "size": t.totalSize, "files": len(t.files())}), flush=True)
client.rename_torrent_path(added.id, added.name, "renamed")
print(json.dumps({"step": "rename", "name": client.get_torrent(added.id).name}), flush=True)
client.queue_bottom(added.id)
print(json.dumps({"step": "queue-bottom", "position": client.get_torrent(added.id).queuePosition,
                  "other": client.get_torrent(other.id).queuePosition}), flush=True)
client.queue_top(added.id)
print(json.dumps({"step": "queue-top", "position": client.get_torrent(added.id).queuePosition,
                  "other": client.get_torrent(other.id).queuePosition}), flush=True)
print(json.dumps({"step": "port", "open": client.port_test()}), flush=True)
client.reannounce_torrent(added.id)
client.stop_torrent(added.id)
print(json.dumps({"step": "stop", "status": client.get_torrent(added.id).status}), flush=True)
print(json.dumps({"step": "stats", "torrents": client.session_stats().torrentCount}), flush=True)
client.remove_torrent(added.id)
print(json.dumps({"step": "remove", "left": [t.id for t in client.get_torrents()]}), flush=True)
