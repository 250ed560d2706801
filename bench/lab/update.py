"""The multi-office lab's update round (bench/lab/run.sh --update): a daemon on every host follows
one channel (the site map given; the DHT bootstrapped inside the lab; the tracker with its site
map); the origin publishes version 1 and, once every host has it, version 2 with a tenth of its
bytes changed (one file of ten rewritten). No command runs on any host after its daemon starts:
each host's progress is read from its channel folder's "current" link. For each version it
reports the time from publish to the last host against the lower bound for the bytes that
changed, and the copies of those bytes that crossed each office's WAN link. Then the same with
the DHT off and the channel served over HTTP by the publisher.
"""
import json
import os
import shlex
import shutil
import subprocess
import threading
import time
import urllib.parse

from lab import Lab, MIB, bound, follow, run, stop, wait_tcp

TRACKER = (0, 1)
DHT_NODE = (0, 2)
ORIGIN = (0, 3)
SALT = "app"


def make_versions(args, work):
    """Version 1: ten files; version 2: the same with one file rewritten. Hybrid torrents (files
    reused by their v2 pieces root), version 2 naming version 1 similar (BEP 38)."""
    shoal = shlex.split(args.shoal)
    part = args.size_mib * MIB // 10
    versions = []
    for number in (1, 2):
        app = os.path.join(work, f"origin-v{number}", "app")
        os.makedirs(app)
        for i in range(10):
            path = os.path.join(app, f"part{i}.bin")
            if number == 2 and i != 3:
                shutil.copyfile(os.path.join(work, "origin-v1", "app", f"part{i}.bin"), path)
            else:
                with open(path, "wb") as f:
                    f.write(os.urandom(part))
        torrent = os.path.join(work, f"app-v{number}.torrent")
        similar = ["--similar", versions[0][0]] if versions else []
        run(*shoal, "create", app, "-o", torrent, "-t", tracker_url(), "--hybrid", "--piece-size", args.piece_size, "--no-date", *similar)
        versions.append((torrent, os.path.dirname(app)))
    return versions, 10 * part, part


def tracker_url():
    return f"http://{Lab.address(*TRACKER)}:6969/announce"


def channel_link(shoal, key):
    """A fresh key, and its channel's link with the salt and the tracker (what `publish` prints)."""
    out = run(*shoal, "keygen", "-o", key)
    public = next(line.split()[-1] for line in out.splitlines() if line.startswith("public key"))
    return f"magnet:?xs=urn:btpk:{public}&s={SALT.encode().hex()}&tr={urllib.parse.quote(tracker_url(), safe='')}"


class Publisher:
    """The origin's publisher: `publish --once` into the DHT per version, or one serving the
    signed version over HTTP (restarted on the same address for each version)."""

    def __init__(self, lab, args, mode, key, log):
        self.lab, self.args, self.mode, self.key, self.log = lab, args, mode, key, log
        self.shoal = shlex.split(args.shoal)
        self.state = os.path.join(os.path.dirname(key), "publisher")
        self.server = None
        self.feed = f"http://{Lab.address(*ORIGIN)}:8090/channel"

    def publish(self, torrent):
        base = ["ip", "netns", "exec", self.lab.host_ns(*ORIGIN), "env", f"SHOAL_STATE_DIR={self.state}", *self.shoal,
                "publish", "--key", self.key, "--salt", SALT, torrent, "--json"]
        if self.mode == "dht":
            out = subprocess.run([*base, "--once", "--bind", Lab.address(*ORIGIN), "--port", "6890",
                                  "--dht-bootstrap", f"{Lab.address(*DHT_NODE)}:6881"], capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(f"publish: {out.stderr.strip()}")
            return json.loads(out.stdout.splitlines()[0])
        self.close()
        self.server = subprocess.Popen([*base, "--no-dht", "--serve", f"{Lab.address(*ORIGIN)}:8090"],
                                       stdout=subprocess.PIPE, stderr=self.log, text=True, start_new_session=True)
        line = self.server.stdout.readline()
        if not line:
            raise RuntimeError("the HTTP publisher did not start")
        threading.Thread(target=lambda: [None for _ in self.server.stdout], daemon=True).start()
        return json.loads(line)

    def close(self):
        if self.server is not None:
            stop([self.server])
            self.server = None


def current_versions(hosts):
    """Each host's complete version: where its channel folder's "current" link points (0: none yet)."""
    result = {}
    for key, state in hosts.items():
        channels = os.path.join(state, "downloads", "channels")
        best = 0
        for folder in os.listdir(channels) if os.path.isdir(channels) else []:
            try:
                best = max(best, int(os.readlink(os.path.join(channels, folder, "current"))))
            except (OSError, ValueError):
                pass
        result[key] = best
    return result


def downloaded(lab, hosts):
    """Per office: the payload bytes its daemons downloaded, in all and from peers of their own site
    (each daemon's /metrics); the difference came over the office's WAN link."""
    fetch = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9091/metrics', timeout=10).read().decode())"
    result = {office: [0, 0] for office in range(1, lab.offices + 1)}
    for office, host in hosts:
        text = run("ip", "netns", "exec", lab.host_ns(office, host), "/usr/bin/python3", "-c", fetch)
        values = dict(line.split()[:2] for line in text.splitlines() if line and not line.startswith("#"))
        result[office][0] += float(values["shoal_downloaded_bytes_total"])
        result[office][1] += float(values["shoal_downloaded_from_site_bytes_total"])
    return result


def round_of(lab, args, work, mode, versions, size, part):
    shoal = shlex.split(args.shoal)
    logs = os.path.join(work, f"update-{mode}")
    os.makedirs(logs)
    log = open(os.path.join(logs, "log.txt"), "w")
    processes = []
    key = os.path.join(logs, "publisher.key")
    link = channel_link(shoal, key)
    publisher = Publisher(lab, args, mode, key, log)
    results = []
    try:
        processes.append(lab.start(*TRACKER, [*shoal, "tracker", "--bind", Lab.address(*TRACKER), "--port", "6969",
                                              "--sites", args.sites_file, "--interval", "30s"], log, log))
        wait_tcp(lab, *TRACKER, 6969)
        if mode == "dht":
            processes.append(lab.start(*DHT_NODE, [*shoal, "dht-node", "--bind", Lab.address(*DHT_NODE), "--port", "6881",
                                                   "--state", os.path.join(logs, "dht-node")], log, log))
        # The origin seeds both versions; the second is only found once it is published.
        for number, (torrent, folder) in enumerate(versions, start=1):
            processes.append(lab.start(*ORIGIN, ["env", f"SHOAL_STATE_DIR={logs}/seed{number}", *shoal, "seed", torrent, folder,
                                                 "--bind", Lab.address(*ORIGIN), "--port", str(6880 + number), "--no-dht", "--no-lsd",
                                                 "--announce-interval", "30s"], log, log))
        hosts = {}
        for office in range(1, lab.offices + 1):
            for host in range(1, lab.hosts + 1):
                state = os.path.join(logs, f"o{office}h{host}")
                os.makedirs(os.path.join(state, "downloads"))
                with open(os.path.join(state, "settings.json"), "w") as f:
                    json.dump({
                        "download-dir": os.path.join(state, "downloads"), "peer-port": 6881, "rpc-port": 9091,
                        "dht-enabled": mode == "dht", "dht-bootstrap": f"{Lab.address(*DHT_NODE)}:6881", "lpd-enabled": True,
                        "channel-poll-interval": args.poll_seconds, "channel-keep-versions": 1,
                        "channels": [{"link": link, **({"feed": publisher.feed} if mode == "http" else {})}],
                    }, f)
                hosts[(office, host)] = state
                daemon_log = open(os.path.join(state, "log.txt"), "w")
                processes.append(lab.start(office, host, [*shoal, "daemon", "--state", state, "--site-map", args.sites_file,
                                                           "--log-level", args.daemon_log_level],
                                           daemon_log, stdout=daemon_log))
        for office, host in hosts:
            wait_tcp(lab, office, host, 9091)
        samplers = [lab.sample_wan(0, "tx_bytes"), *(lab.sample_wan(o) for o in range(1, lab.offices + 1))]
        processes.extend(samplers)
        latest = [0] * (lab.offices + 1)
        for office in range(lab.offices + 1):
            threading.Thread(target=follow, args=(samplers[office], latest, office), daemon=True).start()
        time.sleep(0.5)  # the samplers' first reading
        for number, (torrent, _) in enumerate(versions, start=1):
            changed = size if number == 1 else part
            before = list(latest)
            counted = downloaded(lab, hosts)
            published = publisher.publish(torrent)
            started = time.monotonic()
            done = {}
            while len(done) < len(hosts) and time.monotonic() - started < args.timeout:
                for host, version in current_versions(hosts).items():
                    if host not in done and version >= published["sequence"]:
                        done[host] = time.monotonic() - started
                time.sleep(0.1)
            time.sleep(0.3)  # the samplers' last reading
            wan = [latest[o] - before[o] for o in range(lab.offices + 1)]
            after = downloaded(lab, hosts)
            afar = [(after[o][0] - counted[o][0]) - (after[o][1] - counted[o][1]) for o in range(1, lab.offices + 1)]
            limit = bound(args, changed)
            total = max(done.values()) if len(done) == len(hosts) else None
            results.append({
                "mode": mode, "version": number, "sequence": published["sequence"], "changed_mib": round(changed / MIB, 2),
                "completed": f"{len(done)}/{len(hosts)}", "total_s": round(total, 2) if total else None,
                "bound_s": round(limit, 2), "x_bound": round(total / limit, 2) if total else None, "poll_s": args.poll_seconds,
                "wan_in_per_office_copies": [round(w / changed, 2) for w in wan[1:]], "origin_out_copies": round(wan[0] / changed, 2),
                "afar_per_office_copies": [round(a / changed, 2) for a in afar],
                "hosts_s": {f"o{o}h{h}": round(t, 2) for (o, h), t in sorted(done.items())},
            })
            print(json.dumps(results[-1]), flush=True)
            if total is None:
                break
    finally:
        publisher.close()
        stop(processes)
        log.close()
    return results


def main(args, work):
    versions, size, part = make_versions(args, work)
    if not args.timeout:
        args.timeout = 10 * bound(args, size) + 60
    lab = Lab(args.offices, args.hosts, args.wan_mbit, args.origin_mbit, args.queue_ms)
    results = []
    try:
        for mode in args.update_modes.split(","):
            results.extend(round_of(lab, args, work, mode, versions, size, part))
    finally:
        lab.delete()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results}, f, indent=1)
    print()
    print(f"update lab: {args.offices} offices x {args.hosts} hosts, {args.size_mib} MiB in 10 files, version 2 rewrites one "
          f"({part / MIB:.1f} MiB); WAN {args.wan_mbit:g} Mbit/s per office, origin {args.origin_mbit:g} Mbit/s; "
          f"daemons poll every {args.poll_seconds} s")
    print(f"{'channel':<8} {'version':>7} {'changed MiB':>11} {'done':>6} {'total s':>8} {'bound s':>8} {'x bound':>8} "
          f"{'WAN copies per office':>24} {'blocks from afar':>24} {'origin out':>10}")
    for r in results:
        total = f"{r['total_s']:.1f}" if r["total_s"] else "-"
        ratio = f"{r['x_bound']:.2f}x" if r["x_bound"] else "-"
        copies = " ".join(f"{c:.2f}" for c in r["wan_in_per_office_copies"])
        afar = " ".join(f"{c:.2f}" for c in r["afar_per_office_copies"])
        print(f"{r['mode']:<8} {r['version']:>7} {r['changed_mib']:>11.1f} {r['completed']:>6} {total:>8} {r['bound_s']:>8.1f} "
              f"{ratio:>8} {copies:>24} {afar:>24} {r['origin_out_copies']:>9.2f}x")
    return 0 if all(r["total_s"] for r in results) and len(results) == 2 * len(args.update_modes.split(",")) else 1
