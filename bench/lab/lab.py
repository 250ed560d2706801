#!/usr/bin/python3
"""The multi-office lab: offices as Linux bridges, hosts as network namespaces, a WAN router.

Office 0 is the origin: a tracker (`shoal tracker --sites`), an HTTP origin (busybox httpd, a
BEP 19 web seed in the torrent) and a seed. Offices 1..S each hold N hosts on a fast LAN (veth
into the office's bridge). Every office reaches the WAN router through one link shaped with
`tc tbf` in both directions. One run downloads the same file on every host twice, first with
Shoal, then with python3-libtorrent (same tracker, web seed and topology), and records each
host's completion time, the bytes that crossed each office's WAN link (the uplink's interface
counters, IP headers included) and the total time against the lower bound for the topology.
The summary is printed last. Every namespace the lab made is deleted at the end.
Run by bench/lab/run.sh, which builds shoal; needs root, iproute2, busybox, python3-libtorrent.
"""
import argparse
import json
import shlex
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = f"shlab{os.getpid() % 100000}"
MIB = 1 << 20


def run(*args, check=True):
    result = subprocess.run(args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


class Lab:
    """The namespaces and links; every name starts with PREFIX so that cleanup finds them all."""

    def __init__(self, offices, hosts, wan_mbit, origin_mbit, queue_ms):
        self.offices, self.hosts = offices, hosts
        self.namespaces = []
        try:
            self.wan = self.add_namespace("wan")
            run("ip", "netns", "exec", self.wan, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            for office in range(offices + 1):
                rate = origin_mbit if office == 0 else wan_mbit
                self.add_office(office, rate, queue_ms, 3 if office == 0 else hosts)
        except BaseException:
            self.delete()
            raise

    def add_namespace(self, name):
        ns = f"{PREFIX}-{name}"
        run("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        run("ip", "-n", ns, "link", "set", "lo", "up")
        return ns

    def office_ns(self, office):
        return f"{PREFIX}-o{office}"

    def host_ns(self, office, host):
        return f"{PREFIX}-o{office}h{host}"

    @staticmethod
    def address(office, host):
        return f"10.77.{office}.{host}"

    def add_office(self, office, mbit, queue_ms, hosts):
        ns = self.add_namespace(f"o{office}")
        run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        run("ip", "-n", ns, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", ns, "addr", "add", f"10.77.{office}.254/24", "dev", "br0")
        run("ip", "-n", ns, "link", "set", "br0", "up")
        # The office's WAN link: "wan0" in the office router, "o{office}" in the WAN router.
        run("ip", "-n", ns, "link", "add", "wan0", "type", "veth", "peer", "name", f"o{office}", "netns", self.wan)
        run("ip", "-n", ns, "addr", "add", f"10.78.{office}.2/30", "dev", "wan0")
        run("ip", "-n", ns, "link", "set", "wan0", "up")
        run("ip", "-n", self.wan, "addr", "add", f"10.78.{office}.1/30", "dev", f"o{office}")
        run("ip", "-n", self.wan, "link", "set", f"o{office}", "up")
        run("ip", "-n", ns, "route", "add", "default", "via", f"10.78.{office}.1")
        run("ip", "-n", self.wan, "route", "add", f"10.77.{office}.0/24", "via", f"10.78.{office}.2")
        # Shaped both ways, each at the sending end: the office's upload and its download.
        burst = max(16, int(mbit * 1000 / 8 / 100))  # KiB: at least 10 ms of traffic
        for where, dev in ((ns, "wan0"), (self.wan, f"o{office}")):
            run("ip", "netns", "exec", where, "tc", "qdisc", "add", "dev", dev, "root", "tbf",
                "rate", f"{mbit}mbit", "burst", f"{burst}kb", "latency", f"{queue_ms}ms")
        for host in range(1, hosts + 1):
            hns = self.add_namespace(f"o{office}h{host}")
            run("ip", "-n", hns, "link", "add", "eth0", "type", "veth", "peer", "name", f"h{host}", "netns", ns)
            run("ip", "-n", ns, "link", "set", f"h{host}", "master", "br0")
            run("ip", "-n", ns, "link", "set", f"h{host}", "up")
            run("ip", "-n", hns, "addr", "add", f"{self.address(office, host)}/24", "dev", "eth0")
            run("ip", "-n", hns, "link", "set", "eth0", "up")
            run("ip", "-n", hns, "route", "add", "default", "via", f"10.77.{office}.254")
            run("ip", "-n", hns, "route", "add", "224.0.0.0/4", "dev", "eth0")  # LSD's multicast stays on the LAN

    def wan_bytes(self, office):
        """(into the office, out of it) over its WAN link so far."""
        ns = self.office_ns(office)
        rx = int(run("ip", "netns", "exec", ns, "cat", "/sys/class/net/wan0/statistics/rx_bytes"))
        tx = int(run("ip", "netns", "exec", ns, "cat", "/sys/class/net/wan0/statistics/tx_bytes"))
        return rx, tx

    def sample_wan(self, office, counter="rx_bytes"):
        """A process in the office's router printing its WAN link's received (or sent) bytes every
        0.2 s; one process that rereads the counter, so that sampling forks nothing and costs the
        machine's cores (which the hosts share) next to nothing."""
        loop = ("import os, time\n"
                f"fd = os.open('/sys/class/net/wan0/statistics/{counter}', os.O_RDONLY)\n"
                "while True:\n"
                "    print(os.pread(fd, 32, 0).decode().strip(), flush=True)\n"
                "    time.sleep(0.2)\n")
        return subprocess.Popen(["ip", "netns", "exec", self.office_ns(office), "/usr/bin/python3", "-c", loop],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)

    def start(self, office, host, args, log, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL):
        return subprocess.Popen(["ip", "netns", "exec", self.host_ns(office, host), *args],
                                stdin=stdin, stdout=stdout, stderr=log, text=True, start_new_session=True)

    def delete(self):
        for ns in reversed(self.namespaces):
            run("ip", "netns", "del", ns, check=False)


def stop(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def is_seeding(line):
    """Whether a JSON status line (shoal get --json, lt_host.py) reports the state "seeding"."""
    try:
        return json.loads(line).get("state") == "seeding"
    except ValueError:
        return False


def watch_seeding(process, done, key, started, status_path):
    """Records when the process first reports "seeding", and drains its output until it ends
    into status_path, each line after the seconds since the round started."""
    with open(status_path, "w") as status:
        for line in process.stdout:
            now = time.monotonic() - started
            status.write(f"{now:.2f} {line}")
            if key not in done and is_seeding(line):
                done[key] = now


def keep_log(stream, started, path):
    """Writes a host's log (its stderr) to path, each line after the seconds since the round started."""
    with open(path, "w") as log:
        for line in stream:
            log.write(f"{time.monotonic() - started:.2f} {line}")


def follow(sampler, latest, office):
    for line in sampler.stdout:
        try:
            latest[office] = int(line)
        except ValueError:
            pass


def round_of(client, lab, args, work, torrent, data_dir):
    """Downloads the file on every host with one client; returns its results."""
    shoal = shlex.split(args.shoal)
    logs = os.path.join(work, client)
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    log = open(os.path.join(logs, "log.txt"), "w")
    logs_open = [log]
    processes, log_threads = [], []

    def shoal_args(address, state, *rest):
        return ["env", f"SHOAL_STATE_DIR={state}", *shoal, *rest, "--bind", address, "--port", "6881",
                "--no-dht", "--json", "--announce-interval", "30s", *args.shoal_arg]

    try:
        # The tracker, fresh each round so that no peer of the last one is handed out.
        processes.append(lab.start(0, 1, [*shoal, "tracker", "--bind", Lab.address(0, 1), "--port", "6969",
                                          "--sites", args.sites_file, "--interval", "30s"], log, log))
        wait_tcp(lab, 0, 1, 6969)
        seed_address = Lab.address(0, 3)
        if client == "shoal":
            seed = lab.start(0, 3, shoal_args(seed_address, os.path.join(logs, "seed-state"), "seed", torrent, data_dir), log)
        else:
            seed = lab.start(0, 3, ["/usr/bin/python3", os.path.join(HERE, "lt_host.py"), torrent, data_dir, seed_address, "--seed"], log)
        processes.append(seed)
        wait_seeding(seed)
        # office 0 (the origin) is sampled for what it sends, the others for what they receive
        samplers = [lab.sample_wan(0, "tx_bytes"), *(lab.sample_wan(office) for office in range(1, lab.offices + 1))]
        processes.extend(samplers)
        before = [lab.wan_bytes(office) for office in range(lab.offices + 1)]
        done, host_keys, host_processes = {}, [], []
        for office in range(1, lab.offices + 1):
            for host in range(1, lab.hosts + 1):
                key = (office, host)
                out = os.path.join(logs, f"o{office}h{host}")
                os.makedirs(out)
                address = Lab.address(office, host)
                # Each host's program starts, then waits at the starting line for the torrent on its
                # standard input ("-"), which every host gets at once: starting them one by one took
                # more than a second, 24 programs starting at once take the two cores for almost a
                # second, and the bound assumes that all start together (as running daemons would).
                if client == "shoal":
                    argv = shoal_args(address, os.path.join(out, "state"), "get", "-", "-o", out, "--seed", *args.site_map_arg)
                else:
                    argv = ["/usr/bin/python3", os.path.join(HERE, "lt_host.py"), "-", out, address]
                process = lab.start(office, host, argv, subprocess.PIPE, stdin=subprocess.PIPE)
                processes.append(process)
                host_keys.append(key)
                host_processes.append(process)
        wait_reading_stdin(host_processes)
        with open(torrent, "rb") as f:
            torrent_bytes = f.read()
        started = time.monotonic()
        cpu_before = cpu_times()
        seed_cpu_before = process_cpu_seconds(seed)
        for process in host_processes:
            process.stdin.buffer.write(torrent_bytes)  # the pipe is opened as text; the torrent is bytes
            process.stdin.close()
        for key, process in zip(host_keys, host_processes):
            out = os.path.join(logs, f"o{key[0]}h{key[1]}")
            threading.Thread(target=watch_seeding, args=(process, done, key, started, os.path.join(out, "status.txt")), daemon=True).start()
            log_threads.append(threading.Thread(target=keep_log, args=(process.stderr, started, os.path.join(out, "log.txt")), daemon=True))
            log_threads[-1].start()
        expected = lab.offices * lab.hosts
        deadline = started + args.timeout
        # Each office's download over its WAN link, second by second: where the time goes.
        latest = [before[0][1], *(b[0] for b in before[1:])]
        for office in range(lab.offices + 1):
            threading.Thread(target=follow, args=(samplers[office], latest, office), daemon=True).start()
        profile, last, next_sample = [], list(latest), started + 1
        while len(done) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            if time.monotonic() >= next_sample:
                now = list(latest)
                profile.append([round((now[o] - last[o]) / MIB, 2) for o in range(lab.offices + 1)])
                last, next_sample = now, next_sample + 1
        after = [lab.wan_bytes(office) for office in range(lab.offices + 1)]
        cpu_after = cpu_times()
        host_cpu = {key: process_cpu_seconds(p) for key, p in zip(host_keys, host_processes)}
        seed_cpu = process_cpu_seconds(seed) - seed_cpu_before
    finally:
        stop(processes)
        for thread in log_threads:
            thread.join(5)  # what the hosts logged as they stopped
        for f in logs_open:
            f.close()
    wan_in = [(after[o][0] - before[o][0]) for o in range(lab.offices + 1)]
    wan_out = [(after[o][1] - before[o][1]) for o in range(lab.offices + 1)]
    busy, total = (a - b for a, b in zip(cpu_after, cpu_before))
    return {"cpu_busy": busy / total if total else 0, "done": done, "expected": expected, "total": max(done.values()) if len(done) == expected else None,
            "wan_in": wan_in, "wan_out": wan_out, "profile": profile, "host_cpu": host_cpu, "seed_cpu": seed_cpu}


def process_cpu_seconds(process):
    """The CPU time (user and system) a process has used so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_times():
    """(busy, total) jiffies of all the machine's cores so far, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def wait_reading_stdin(processes):
    """Waits until every process sits in read() on its standard input (/proc/PID/syscall: read is
    syscall 0 on x86-64, its first argument a descriptor of the same pipe as fd 0, which .NET
    duplicates): its program has started and awaits the torrent."""
    deadline = time.monotonic() + 60
    waiting = list(processes)
    while waiting:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(waiting)} hosts never started to read the torrent from their standard input")
        still = []
        for process in waiting:
            if process.poll() is not None:
                raise RuntimeError(f"a host exited ({process.returncode}) before the start")
            try:
                with open(f"/proc/{process.pid}/syscall") as f:
                    fields = f.read().split()
                reading = fields[0] == "0" and (os.readlink(f"/proc/{process.pid}/fd/{int(fields[1], 16)}")
                                                == os.readlink(f"/proc/{process.pid}/fd/0"))
            except (OSError, IndexError, ValueError):
                reading = False
            if not reading:
                still.append(process)
        waiting = still
        time.sleep(0.05)


def wait_tcp(lab, office, host, port):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = run("ip", "netns", "exec", lab.host_ns(office, host), "ss", "-Htln", f"sport = :{port}", check=False)
        if out.strip():
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} in office {office} host {host}")


def wait_seeding(process):
    deadline = time.monotonic() + 60
    for line in process.stdout:
        if is_seeding(line):
            # keep draining its output so that it never blocks on a full pipe
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return
        if time.monotonic() > deadline:
            break
    raise RuntimeError("the origin's seed did not start seeding")


def bound(args, size):
    """The lower bound for this topology: every office's download link must carry the file, the
    origin's uplink must send it once, and all offices' downloads together (S F) must leave
    through the origin's and the other offices' uplinks."""
    wan, origin = args.wan_mbit * 1e6 / 8, args.origin_mbit * 1e6 / 8
    return max(size / wan, size / origin, args.offices * size / (origin + args.offices * wan))


def report(client, result, size, limit):
    done = result["done"]
    times = sorted(done.values())
    wan = [result["wan_in"][office] / size for office in range(1, len(result["wan_in"]))]
    return {
        "client": client,
        "completed": f"{len(done)}/{result['expected']}",
        "total_s": round(result["total"], 2) if result["total"] else None,
        "x_bound": round(result["total"] / limit, 2) if result["total"] else None,
        "median_host_s": round(statistics.median(times), 2) if times else None,
        "first_host_s": round(times[0], 2) if times else None,
        "wan_in_per_office_F": [round(w, 2) for w in wan],
        "wan_in_mean_F": round(statistics.mean(wan), 2),
        "origin_out_F": round(result["wan_out"][0] / size, 2),
        "cpu_busy_pct": round(100 * result["cpu_busy"]),
        "host_cpu_s_total": round(sum(result["host_cpu"].values()), 1),
        "host_cpu_s_median": round(statistics.median(result["host_cpu"].values()), 2) if result["host_cpu"] else None,
        "seed_cpu_s": round(result["seed_cpu"], 2),
        "hosts_s": {f"o{o}h{h}": round(t, 2) for (o, h), t in sorted(done.items())},
        "wan_in_mib_per_s": [row[1:] for row in result["profile"]],
        "origin_out_mib_per_s": [row[0] for row in result["profile"]],
    }


def write_sites(work, offices):
    path = os.path.join(work, "sites.txt")
    with open(path, "w") as f:
        f.write("# the lab's offices\n")
        for office in range(offices + 1):
            f.write(f"10.77.{office}.0/24 office-{office}\n")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoal", required=True, help="the shoal command (a path, or e.g. 'dotnet shoal.dll')")
    parser.add_argument("--offices", type=int, default=4)
    parser.add_argument("--hosts", type=int, default=6, help="hosts per office")
    parser.add_argument("--size-mib", type=int, default=32)
    parser.add_argument("--piece-size", default="256KiB")
    parser.add_argument("--wan-mbit", type=float, default=16, help="each office's WAN link, each way")
    parser.add_argument("--origin-mbit", type=float, default=32, help="the origin office's WAN link, each way")
    parser.add_argument("--queue-ms", type=int, default=100, help="queue of a shaped link")
    parser.add_argument("--clients", default="shoal,libtorrent")
    parser.add_argument("--timeout", type=float, default=0, help="seconds a round may take (default 10x the bound + 60)")
    parser.add_argument("--no-web-seed", action="store_true", help="leave the HTTP origin out of the torrent")
    parser.add_argument("--no-site-map", action="store_true", help="do not give Shoal's clients the site map")
    parser.add_argument("--shoal-arg", action="append", default=[], help="more arguments for every shoal client")
    parser.add_argument("--work", default="/tmp/shoal-bench/lab")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--update", action="store_true", help="the update round instead: daemons follow a channel, two versions (update.py)")
    parser.add_argument("--update-modes", default="dht,http", help="with --update: the channel over the DHT, over HTTP, or both")
    parser.add_argument("--daemon-log-level", default="info", help="with --update: the daemons' --log-level (debug: each piece's senders)")
    parser.add_argument("--poll-seconds", type=int, default=5, help="with --update: the daemons' channel-poll-interval")
    args = parser.parse_args()

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.chmod(work, 0o755)
    if args.update:
        import update
        args.sites_file = write_sites(work, args.offices)
        return update.main(args, work)
    size = args.size_mib * MIB
    limit = bound(args, size)
    if not args.timeout:
        args.timeout = 10 * limit + 60
    data_dir = os.path.join(work, "origin")
    os.makedirs(data_dir)
    name = "update.bin"
    with open(os.path.join(data_dir, name), "wb") as f:
        f.write(os.urandom(size))
    args.sites_file = write_sites(work, args.offices)
    args.site_map_arg = [] if args.no_site_map else ["--site-map", args.sites_file]
    tracker_url = f"http://{Lab.address(0, 1)}:6969/announce"
    web_seed = f"http://{Lab.address(0, 2)}:8080/"
    torrent = os.path.join(work, "update.torrent")
    run(*shlex.split(args.shoal), "create", os.path.join(data_dir, name), "-o", torrent, "-t", tracker_url,
        *([] if args.no_web_seed else ["-w", web_seed]), "--piece-size", args.piece_size, "--no-date")

    lab = Lab(args.offices, args.hosts, args.wan_mbit, args.origin_mbit, args.queue_ms)
    results = []
    try:
        httpd = lab.start(0, 2, ["busybox", "httpd", "-f", "-p", f"{Lab.address(0, 2)}:8080", "-h", data_dir], subprocess.DEVNULL)
        try:
            wait_tcp(lab, 0, 2, 8080)
            for client in args.clients.split(","):
                result = round_of(client, lab, args, work, torrent, data_dir)
                results.append(report(client, result, size, limit))
                print(json.dumps(results[-1]), flush=True)
        finally:
            stop([httpd])
    finally:
        lab.delete()

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bound_s": limit, "results": results}, f, indent=1)
    print()
    print(f"lab: {args.offices} offices x {args.hosts} hosts, {args.size_mib} MiB file ({args.piece_size} pieces), "
          f"WAN {args.wan_mbit:g} Mbit/s per office each way, origin {args.origin_mbit:g} Mbit/s; "
          f"lower bound {limit:.1f} s")
    print(f"{'client':<11} {'done':>6} {'total s':>8} {'x bound':>8} {'median s':>9} "
          f"{'WAN in/office (F)':>18} {'mean':>5} {'origin out':>10} {'CPU busy':>9}")
    for r in results:
        per_office = " ".join(f"{w:.2f}" for w in r["wan_in_per_office_F"])
        total = f"{r['total_s']:.1f}" if r["total_s"] else "-"
        ratio = f"{r['x_bound']:.2f}x" if r["x_bound"] else "-"
        median = f"{r['median_host_s']:.1f}" if r["median_host_s"] else "-"
        print(f"{r['client']:<11} {r['completed']:>6} {total:>8} {ratio:>8} {median:>9} "
              f"{per_office:>18} {r['wan_in_mean_F']:>5.2f} {r['origin_out_F']:>9.2f}F {r['cpu_busy_pct']:>8}%")
    if any(r["cpu_busy_pct"] > 75 for r in results):
        print("CPU busy above 75%: the machine's cores, not only the links, limited this run; "
              "fewer hosts or lower rates measure the protocol better")
    return 0 if all(r["total_s"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
