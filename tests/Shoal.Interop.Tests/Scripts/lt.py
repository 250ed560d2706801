#!/usr/bin/python3
"""python3-libtorrent as a reference oracle for the interop tests.

  lt.py info TORRENT                      -> JSON of what libtorrent reads
  lt.py create PATH OUT v1|v2|hybrid [PIECE_SIZE]
  lt.py check TORRENT SAVE_DIR            -> JSON list of the pieces libtorrent finds correct
  lt.py swarm seed|leech TORRENT|MAGNET SAVE_DIR [--peer HOST:PORT]... [--exit-when-done] [--max-up RATE]
      Runs a libtorrent session on 127.0.0.1: prints "port N" first, then one JSON status line a
      second; a leecher with --exit-when-done exits 0 once it is seeding.
"""
import argparse
import json
import os
import sys
import time

import libtorrent as lt


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
    args = parser.parse_args(argv)
    settings = lt.high_performance_seed() if args.high_performance else {}
    settings.update({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "announce_to_all_trackers": True,
        "upload_rate_limit": args.max_up,
        "alert_mask": lt.alert.category_t.error_notification,
    })
    session = lt.session(settings)
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
    while time.time() < deadline:
        st = handle.status()
        if time.time() - last >= 1:
            last = time.time()
            print(json.dumps({"state": str(st.state), "progress": st.progress, "peers": st.num_peers,
                              "down": st.total_payload_download, "up": st.total_payload_upload,
                              "seeding": st.is_seeding, "errc": st.errc.message() if st.errc.value() else None}), flush=True)
        if args.exit_when_done and st.is_seeding:
            print(json.dumps({"done": True, "down": st.total_payload_download}), flush=True)
            return
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
