#!/usr/bin/python3
"""python3-libtorrent as a reference oracle for the interop tests.

  lt.py info TORRENT                      -> JSON of what libtorrent reads
  lt.py create PATH OUT v1|v2|hybrid [PIECE_SIZE]
  lt.py check TORRENT SAVE_DIR            -> JSON list of the pieces libtorrent finds correct
  lt.py swarm seed|leech TORRENT|MAGNET SAVE_DIR [--peer HOST:PORT]... [--exit-when-done] [--max-up RATE]
               [--bind IP] [--dht-node HOST:PORT]... [--lsd] [--encryption forced] [--transport tcp|utp|both]
      Runs a libtorrent session on 127.0.0.1 (or --bind): prints "port N" first, then one JSON status
      line a second; a leecher with --exit-when-done exits 0 once it is seeding. --dht-node turns the
      DHT on, bootstrapped from those nodes only (the status then shows its table), and announces
      the torrent every 5 s while it has no peer. --lsd turns local service discovery on.
      --encryption forced allows only RC4-encrypted connections (MSE), both ways.
      --transport picks what it dials and accepts: tcp (the default here), utp only, or both.
  lt.py dht-node [--bind IP] [--dht-node HOST:PORT]...
      A libtorrent DHT node and nothing else: "port N", then a JSON line twice a second with its
      table and the info-hashes announced to it.
"""
import argparse
import warnings
import json
import os
import sys
import time

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)  # status() and dht_state() still say what the tests need


def info(path):
    ti = lt.torrent_info(path)
    ih = ti.info_hashes()
    fs = ti.files()
    files = []
    for i in range(fs.num_files()):
        files.append({
            "path": fs.file_path(i).replace(os.sep, "/"),
            "length": fs.file_size(i),
            "padding": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
        })
    tiers = {}
    for t in ti.trackers():
        tiers.setdefault(t.tier, []).append(t.url)
    return {
        "name": ti.name(),
        "infoHashV1": str(ih.v1) if ih.has_v1() else None,
        "infoHashV2": str(ih.v2) if ih.has_v2() else None,
        "pieceLength": ti.piece_length(),
        "pieceCount": ti.num_pieces(),
        "totalSize": ti.total_size(),
        "private": ti.priv(),
        "trackers": [tiers[k] for k in sorted(tiers)],
        "webSeeds": [w["url"] for w in ti.web_seeds()],
        "files": files,
    }


def create(path, out, version, piece_size=0):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[version]
    ct = lt.create_torrent(fs, int(piece_size), flags=flags)
    ct.add_tracker("http://127.0.0.1:6969/announce")
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))


def check(torrent, save_dir):
    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": 0,
    }
    session = lt.session(settings)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_dir
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags |= lt.torrent_flags.paused
    handle = session.add_torrent(params)
    handle.force_recheck()
    handle.resume()
    deadline = time.time() + 60
    while time.time() < deadline:
        status = handle.status()
        if status.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) and status.has_metadata:
            if status.state != lt.torrent_status.downloading_metadata:
                break
        time.sleep(0.05)
    else:
        raise SystemExit("libtorrent did not finish checking in time")
    have = [i for i, p in enumerate(handle.status().pieces) if p]
    return {"have": have, "pieceCount": params.ti.num_pieces()}


def dht_settings(settings, nodes):
    """DHT on loopback: bootstrap only from the given nodes, no one-node-per-/24 rules, no rate ban."""
    settings.update({
        "enable_dht": bool(nodes),
        "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 1000000,
    })


def add_dht_nodes(session, nodes):
    for node in nodes:
        host, port = node.rsplit(":", 1)
        session.add_dht_node((host, int(port)))


def dht_session(bind, nodes):
    """A session on BIND:0 with the DHT on (loopback settings), joined through nodes, and nothing else."""
    settings = {
        "listen_interfaces": "%s:0" % bind,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": lt.alert.category_t.dht_notification | lt.alert.category_t.error_notification,
    }
    dht_settings(settings, True)
    session = lt.session(settings)
    add_dht_nodes(session, nodes)
    return session


def dht_alerts(session, seen):
    """Reads the alerts: the routing table as "ip:port" strings (from the latest dht_live_nodes_alert,
    and asks for a fresh one), and the info-hashes others announced to this node, into seen."""
    live = None
    for alert in session.pop_alerts():
        if isinstance(alert, lt.dht_live_nodes_alert):
            live = ["%s:%d" % (n["endpoint"][0], n["endpoint"][1]) for n in alert.nodes]
        elif isinstance(alert, lt.dht_announce_alert):
            seen.add(str(alert.info_hash))
    ids = session.dht_state().get(b"node-id") or []
    if ids:
        session.dht_live_nodes(lt.sha1_hash(ids[0][:20]))  # the entry is the id, then the address it was made for
    return live


def dht_node(argv):
    parser = argparse.ArgumentParser(prog="lt.py dht-node")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--dht-node", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    session = dht_session(args.bind, args.dht_node)
    print("port %d" % session.listen_port(), flush=True)
    deadline = time.time() + args.timeout
    live = []
    announced = set()
    while time.time() < deadline:
        live = dht_alerts(session, announced) or live
        print(json.dumps({"dhtNodes": session.status().dht_nodes, "live": live, "announced": sorted(announced)}), flush=True)
        time.sleep(0.5)
    raise SystemExit("timed out")


def swarm(argv):
    parser = argparse.ArgumentParser(prog="lt.py swarm")
    parser.add_argument("mode", choices=["seed", "leech"])
    parser.add_argument("torrent")
    parser.add_argument("save_dir")
    parser.add_argument("--peer", action="append", default=[])
    parser.add_argument("--exit-when-done", action="store_true")
    parser.add_argument("--max-up", type=int, default=0)
    parser.add_argument("--high-performance", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--dht-node", action="append", default=[])
    parser.add_argument("--lsd", action="store_true")
    parser.add_argument("--encryption", choices=["default", "forced"], default="default")
    parser.add_argument("--transport", choices=["tcp", "utp", "both"], default="tcp")
    args = parser.parse_args(argv)
    settings = lt.high_performance_seed() if args.high_performance else {}
    settings.update({
        "listen_interfaces": "%s:0" % args.bind,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "announce_to_all_trackers": True,
        "upload_rate_limit": args.max_up,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.dht_notification
                      | lt.alert.category_t.tracker_notification,  # dht_reply_alert is a tracker alert
    })
    dht_settings(settings, args.dht_node)
    settings["enable_lsd"] = args.lsd
    utp, tcp = args.transport in ("utp", "both"), args.transport in ("tcp", "both")
    settings.update({
        "enable_outgoing_utp": utp, "enable_incoming_utp": utp,
        "enable_outgoing_tcp": tcp, "enable_incoming_tcp": tcp,
    })
    if args.encryption == "forced":
        settings.update({
            "out_enc_policy": int(lt.enc_policy.forced),
            "in_enc_policy": int(lt.enc_policy.forced),
            "allowed_enc_level": int(lt.enc_level.rc4),
        })
    session = lt.session(settings)
    add_dht_nodes(session, args.dht_node)
    if args.torrent.startswith("magnet:"):
        params = lt.parse_magnet_uri(args.torrent)  # the metadata comes from peers (BEP 9)
    else:
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(args.torrent)
    params.save_path = args.save_dir
    if args.mode == "seed":
        params.flags |= lt.torrent_flags.seed_mode
    params.flags &= ~lt.torrent_flags.auto_managed
    handle = session.add_torrent(params)
    handle.resume()
    print("port %d" % session.listen_port(), flush=True)
    for peer in args.peer:
        host, port = peer.rsplit(":", 1)
        handle.connect_peer((host, int(port)), 0)
    deadline = time.time() + args.timeout
    last = 0
    live = []
    forced = 0
    reannounced = time.time()
    while time.time() < deadline:
        st = handle.status()
        if time.time() - last >= 1:
            last = time.time()
            status = {"state": str(st.state), "progress": st.progress, "peers": st.num_peers,
                      "down": st.total_payload_download, "up": st.total_payload_upload,
                      "seeding": st.is_seeding, "errc": st.errc.message() if st.errc.value() else None}
            if args.dht_node:
                live = dht_alerts(session, set()) or live
                # The DHT announces on a 15-minute timer; a test cannot wait for it: again every 5 s while alone.
                if st.num_peers == 0 and time.time() - forced >= 5:
                    forced = time.time()
                    handle.force_dht_announce()
                status.update({"dhtNodes": session.status().dht_nodes, "dhtLive": live})
            print(json.dumps(status), flush=True)
        if args.exit_when_done and st.is_seeding:
            print(json.dumps({"done": True, "down": st.total_payload_download}), flush=True)
            return
        # libtorrent announces to a tracker again no sooner than every 5 minutes; a leecher still
        # alone after a first announce that went wrong (a time-out on a busy machine) asks again.
        if not st.is_seeding and st.num_peers == 0 and time.time() - reannounced >= 15:
            reannounced = time.time()
            handle.force_reannounce()
        for peer in args.peer if st.num_peers == 0 and int(time.time()) % 5 == 0 else []:
            host, port = peer.rsplit(":", 1)
            handle.connect_peer((host, int(port)), 0)
        time.sleep(0.1)
    raise SystemExit("timed out")


def main():
    cmd = sys.argv[1]
    if cmd == "swarm":
        swarm(sys.argv[2:])
        return
    if cmd == "dht-node":
        dht_node(sys.argv[2:])
        return
    if cmd == "info":
        print(json.dumps(info(sys.argv[2])))
    elif cmd == "create":
        create(*sys.argv[2:])
    elif cmd == "check":
        print(json.dumps(check(sys.argv[2], sys.argv[3])))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
