#!/usr/bin/python3
"""BEP 44 items through python3-libtorrent, for the interop tests.

  lt_items.py [--bind IP] --dht-node HOST:PORT... put-mutable SEEDHEX PUBHEX SALT TEXT
  lt_items.py ... get-mutable PUBHEX SALT
  lt_items.py ... put-immutable TEXT
  lt_items.py ... get-immutable TARGETHEX

A libtorrent session joins the DHT through the given nodes (loopback settings of lt.py), does
the one operation and prints one JSON line: for a put how many nodes took it, for a get the
item's sequence number, its value bencoded (hex; null when the binding cannot convert it) and
libtorrent's text of the alert. libtorrent's mutable put signs a bencoded
string (the binding's only kind of value) with the next sequence number it finds; its secret
key is the 64-byte form of the seed (SHA-512 of it, clamped), made here.
"""
import argparse
import hashlib
import json
import time

import libtorrent as lt
from lt import dht_session


def secret_key(seed):
    expanded = bytearray(hashlib.sha512(seed).digest())
    expanded[0] &= 248
    expanded[31] &= 63
    expanded[31] |= 64
    return bytes(expanded)


def main():
    parser = argparse.ArgumentParser(prog="lt_items.py")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--dht-node", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("action", choices=["put-mutable", "get-mutable", "put-immutable", "get-immutable"])
    parser.add_argument("args", nargs="*")
    args = parser.parse_args()
    session = dht_session(args.bind, args.dht_node)
    deadline = time.time() + args.timeout
    while session.status().dht_nodes == 0:
        if time.time() > deadline:
            raise SystemExit("libtorrent's DHT found no node")
        time.sleep(0.2)

    def ask():
        a = args.args
        if args.action == "put-mutable":
            seed, public = bytes.fromhex(a[0]), bytes.fromhex(a[1])
            session.dht_put_mutable_item(secret_key(seed), public, a[3].encode(), a[2].encode())
        elif args.action == "get-mutable":
            session.dht_get_mutable_item(bytes.fromhex(a[0]), a[1].encode())
        elif args.action == "put-immutable":
            return session.dht_put_immutable_item(a[0].encode())
        else:
            session.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(a[0])))
        return None

    target = ask()
    asked = time.time()
    while time.time() < deadline:
        for alert in session.pop_alerts():
            if isinstance(alert, lt.dht_put_alert):
                print(json.dumps({"put": alert.num_success, "seq": alert.seq, "target": str(target) if target else None}), flush=True)
                return
            if isinstance(alert, (lt.dht_mutable_item_alert, lt.dht_immutable_item_alert)):
                seq = alert.seq if isinstance(alert, lt.dht_mutable_item_alert) else 0
                try:
                    value = lt.bencode(alert.item["value"]).hex()
                except RuntimeError:
                    # The binding cannot hand over an entry with binary strings (such as BEP 46's
                    # {ih: 20 bytes}); libtorrent's own text of it (binary strings in hex) is all there is.
                    value = None
                if value == "303a":  # an empty entry: nothing found (yet)
                    continue
                print(json.dumps({"seq": seq, "value": value, "text": alert.message()}), flush=True)
                return
        if args.action.startswith("get") and time.time() - asked > 3:
            ask()  # nothing yet (an empty answer): ask again
            asked = time.time()
        time.sleep(0.1)
    raise SystemExit("timed out")


if __name__ == "__main__":
    main()
