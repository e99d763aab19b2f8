# SPDX-License-Identifier: BSD-3-Clause
"""
Seeing inside a running tern-httpd (issue 17), two workers on a net_tap
port, Linux clients in the test namespace:

- while wrk (-c 40, 3 s) runs, tools/tern-ss lists the connections: every
  state a real one, the listing's states equal to the counts the workers
  gave with their pages, 40 established, and cwnd, MSS, RTO, srtt, bytes
  and segments each way non-zero where a connection that carried requests
  must have them; its filters (--state, --dport) and --watch work; the
  listener shows its accept count;
- /tern/nstat: every RFC 4022 / nstat name there, each equal to what
  /tern/nstat_map says it is made of, read from /tern/stats (quiet stack);
- tools/tern-stat shows tcp_rx (and with --nstat TcpInSegs) moving;
- 10,000 idle connections from a Python client in the namespace: the listing
  pages through all of them (each once, the kernel's ports exactly), per
  worker as many as the worker counts;
- dpdk-dumpcap, a secondary process, attaches to tern-httpd (run with its
  hugepage files kept: tools/eal-mem --shared) and captures a curl
  exchange; tcpdump reads the handshake, the request and both FINs from it;
- 40 TCP segments with bad checksums from the peer make one log line
  (tern.tcp, from the monitor thread, not a worker) naming the count and
  the sender;
- at a clean exit tern-httpd removes its hugepage files.
Bounded: about 25 s.
"""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

URL = "http://%s/" % h.TERN_IP
IDLE = 10000
WRK_CONNS = 40

# the client of the idle connections, run in the namespace: opens IDLE
# connections in batches, prints their local ports, holds them until stdin
# closes (or 60 s)
IDLE_CLIENT = r"""
import resource, select, socket, sys, json, errno
n, host = int(sys.argv[1]), sys.argv[2]
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 256, n + 256))
socks = []
for start in range(0, n, 500):
    batch = []
    for _ in range(min(500, n - start)):
        s = socket.socket()
        s.setblocking(False)
        if s.connect_ex((host, 80)) not in (0, errno.EINPROGRESS):
            sys.exit("connect failed")
        batch.append(s)
    p = select.poll()
    for s in batch:
        p.register(s, select.POLLOUT)
    left = len(batch)
    while left:
        ev = p.poll(10000)
        if not ev:
            sys.exit("connections did not complete")
        for fd, e in ev:
            p.unregister(fd)
            left -= 1
    for s in batch:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
            sys.exit("a connection failed")
    socks += batch
print(json.dumps(sorted(s.getsockname()[1] for s in socks)), flush=True)
select.select([sys.stdin], [], [], 60)
"""


def tern_ss(src, prefix, *args, timeout=60):
    r = subprocess.run([sys.executable, os.path.join(src, "tools", "tern-ss"), "-f", prefix]
                       + list(args), capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        h.log("tern-ss %s: rc %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    h.check(r.returncode == 0, "tern-ss %s exits 0" % " ".join(args))
    return r.stdout


def listing(src, prefix, *args):
    snap = json.loads(tern_ss(src, prefix, "--json", *args).strip().splitlines()[-1])
    return snap


def by_state(snap, w):
    out = {}
    for c in snap["conns"]:
        if c["worker"] == w:
            out[c["state_name"]] = out.get(c["state_name"], 0) + 1
    return out


def worker_counts(snap, w):
    st = [x for x in snap["workers"] if x["worker"] == w][0]["states"]
    return {k: v for k, v in st.items() if v and k != "TIME_WAIT"}


def check_under_load(t, src):
    out = os.path.join(t.tmp, "wrk.out")
    # wrk runs until the checks below are done (SIGINT then: it prints its
    # summary and exits 0), however long a busy machine makes them take
    wrk = t.background(["timeout", "-k", "5", "60", "wrk", "-t1", "-c%d" % WRK_CONNS, "-d50s",
                        "--timeout", "5s", URL], out, out + ".err")
    time.sleep(1.2)
    # keep-alive connections stay: the listing matches the workers' counts,
    # unless one came or went between two pages (then look again)
    for attempt in range(5):
        snap = listing(src, t.prefix)
        same = all(by_state(snap, w["worker"]) == worker_counts(snap, w["worker"])
                   for w in snap["workers"])
        if same:
            break
        h.log("listing and counts differ (connections moved): again")
    h.check(same, "under load: states listed per worker == the worker's counts %s"
            % [worker_counts(snap, w["worker"]) for w in snap["workers"]])
    names = {"ESTABLISHED", "SYN_RECEIVED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
             "CLOSING", "LAST_ACK"}
    h.check(all(c["state_name"] in names for c in snap["conns"]),
            "every listed state is a live TCP state")
    est = [c for c in snap["conns"] if c["state_name"] == "ESTABLISHED"]
    h.check(len(est) == WRK_CONNS, "%d established (wrk -c%d)" % (len(est), WRK_CONNS))
    h.check(len(snap["workers"]) == 2 and all(by_state(snap, w) for w in (0, 1)),
            "both workers hold some")
    h.check(all(c["lport"] == 80 and c["cwnd"] > 0 and c["mss"] > 0 and c["rto_us"] > 0
                and c["rcv_wnd"] > 0 and c["snd_wnd"] > 0 for c in est),
            "established: port 80, cwnd, MSS, RTO and windows non-zero")
    busy = [c for c in est if c["bytes_received"] > 0]
    h.check(len(busy) >= WRK_CONNS // 2, "%d of them received requests" % len(busy))
    h.check(all(c["bytes_acked"] > 0 and c["segs_in"] >= 2 and c["segs_out"] >= 2
                and c["srtt_us"] > 0 and c["age_ms"] >= 0 for c in busy),
            "those: bytes acked, segments each way and srtt non-zero")
    some = est[0]
    f = listing(src, t.prefix, "--state", "estab", "--dport", str(some["rport"]))
    h.check(len(f["conns"]) == 1 and f["conns"][0]["rport"] == some["rport"],
            "--state estab --dport %d: exactly that connection" % some["rport"])
    f = listing(src, t.prefix, "--state", "time-wait")
    h.check(f["conns"] == [], "--state time-wait lists none (TIME_WAIT is only counted)")
    txt = tern_ss(src, t.prefix, "--watch", "0.2", "--count", "2", "--sport", "80")
    h.check(txt.count("-- ") == 2 and "ESTAB" in txt and "cwnd:" in txt,
            "--watch drew two screens of ss-like lines")
    r = subprocess.run([sys.executable, os.path.join(src, "tools", "tern-stat"), "-f", t.prefix,
                        "-i", "0.5", "--count", "1"], capture_output=True, text=True, timeout=30)
    m = re.search(r"^tcp_rx\s+(\d+)\s+([\d.]+)/s$", r.stdout, re.M)
    h.check(r.returncode == 0 and m is not None and float(m.group(2)) > 1000,
            "tern-stat: tcp_rx moving at %s/s under wrk" % (m.group(2) if m else "?"))
    r = subprocess.run([sys.executable, os.path.join(src, "tools", "tern-stat"), "-f", t.prefix,
                        "--nstat", "-i", "0.5", "--count", "1"], capture_output=True, text=True,
                       timeout=30)
    h.check(r.returncode == 0 and re.search(r"^TcpInSegs\s+\d+\s+[\d.]+/s$", r.stdout, re.M),
            "tern-stat --nstat: TcpInSegs per second")
    lis = listing(src, t.prefix, "-l")["listeners"]
    h.check(len(lis) == 2 and all(l["port"] == 80 for l in lis)
            and sum(l["accepted"] for l in lis) >= WRK_CONNS,
            "listeners: port 80 on both workers, %d accepted"
            % sum(l["accepted"] for l in lis))
    os.killpg(wrk.pid, signal.SIGINT)
    rc = wrk.wait(timeout=30)
    h.check(rc == 0, "wrk exits 0 on SIGINT")
    h.log(open(out).read().rstrip())


def check_nstat(t):
    for _ in range(50):     # quiet: wrk's connections gone
        nst = h.telemetry(t.prefix, "/tern/nstat")
        if nst and nst.get("TcpCurrEstab") == 0:
            break
        time.sleep(0.1)
    st = h.telemetry(t.prefix, "/tern/stats")
    nst = h.telemetry(t.prefix, "/tern/nstat")
    mp = h.telemetry(t.prefix, "/tern/nstat_map")
    h.check(st is not None and nst is not None and mp is not None, "telemetry answers")
    for name in ("TcpActiveOpens", "TcpPassiveOpens", "TcpAttemptFails", "TcpEstabResets",
                 "TcpCurrEstab", "TcpInSegs", "TcpOutSegs", "TcpRetransSegs", "TcpInErrs",
                 "TcpOutRsts", "IpInReceives", "IpOutRequests", "TcpExtSyncookiesSent",
                 "TcpExtListenOverflows", "TcpExtTCPTimeouts"):
        h.check(name in nst and name in mp, "nstat name %s present" % name)
    bad = []
    for name, expr in mp.items():
        if name == "TcpCurrEstab":
            continue
        value = eval(expr.replace("st->", ""), {"__builtins__": {}}, dict(st))
        if value != nst[name]:
            bad.append("%s: %s = %d, /tern/nstat %d" % (name, expr, value, nst[name]))
    h.check(not bad, "every nstat value == its counters (%d names)%s"
            % (len(mp), "; ".join(bad)))
    h.check(nst["TcpPassiveOpens"] == st["tcp_passive_opens"] >= WRK_CONNS
            and nst["TcpInSegs"] == st["tcp_rx"] > 0
            and nst["TcpOutSegs"] == st["tcp_tx_segs"] - st["tcp_rexmt_segs"],
            "PassiveOpens %d, InSegs %d, OutSegs %d" % (nst["TcpPassiveOpens"],
                                                       nst["TcpInSegs"], nst["TcpOutSegs"]))


def check_idle(t, src):
    out = os.path.join(t.tmp, "idle.out")
    argv = ["ip", "netns", "exec", t.ns, sys.executable, "-c", IDLE_CLIENT, str(IDLE),
            h.TERN_IP]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=open(out, "w"),
                         stderr=subprocess.STDOUT, start_new_session=True)
    h._cleanups.append(lambda: h._kill_bg(p))
    ports = None
    while time.monotonic() - t0 < 60 and p.poll() is None:
        txt = open(out).read()
        if txt.endswith("\n"):
            ports = json.loads(txt.strip().splitlines()[-1])
            break
        time.sleep(0.1)
    h.check(ports is not None and len(ports) == IDLE, "%d idle connections open in %.1f s%s"
            % (IDLE, time.monotonic() - t0, "" if ports else ": " + open(out).read()[-500:]))
    # the last ACKs of the handshakes may still be on their way to a worker
    for _ in range(50):
        snap = listing(src, t.prefix, "-s")
        if sum(w["states"]["ESTABLISHED"] for w in snap["workers"]) >= IDLE:
            break
        time.sleep(0.1)
    t1 = time.monotonic()
    snap = listing(src, t.prefix)
    dt = time.monotonic() - t1
    pages = sum(w["pages"] for w in snap["workers"])
    h.log("listing of %d connections: %d pages, %.2f s" % (len(snap["conns"]), pages, dt))
    tuples = {(c["laddr"], c["lport"], c["raddr"], c["rport"]) for c in snap["conns"]}
    h.check(len(tuples) == len(snap["conns"]) == IDLE, "%d listed, each once (%d distinct)"
            % (len(snap["conns"]), len(tuples)))
    h.check(sorted(c["rport"] for c in snap["conns"]) == ports,
            "the listed peer ports are the client's, exactly")
    h.check(pages >= IDLE // 32, "paged: %d pages of at most 32" % pages)
    for w in snap["workers"]:
        h.check(by_state(snap, w["worker"]) == worker_counts(snap, w["worker"]),
                "worker %d: listed %s == counted %s" % (w["worker"], by_state(snap, w["worker"]),
                                                        worker_counts(snap, w["worker"])))
    p.stdin.close()
    p.wait(timeout=30)
    for _ in range(100):
        snap = listing(src, t.prefix, "-s")
        if all(not worker_counts(snap, w["worker"]) for w in snap["workers"]):
            break
        time.sleep(0.1)


def check_capture(t):
    if not glob.glob("/dev/hugepages/%smap_*" % t.prefix):
        h.log("capture: tern-httpd has no hugepage files (--no-huge): dpdk-dumpcap cannot "
              "attach; not checked")
        return False
    pcap = os.path.join(t.tmp, "cap.pcapng")
    log = os.path.join(t.tmp, "dumpcap.out")
    # stdbuf: its lines are not held in a buffer
    dc = subprocess.Popen(["timeout", "-k", "5", "30", "stdbuf", "-oL", "dpdk-dumpcap",
                           "--file-prefix", t.prefix, "-i", "0", "-w", pcap],
                          stdout=open(log, "w"), stderr=subprocess.STDOUT,
                          start_new_session=True)
    h._cleanups.append(lambda: h._kill_bg(dc))
    deadline = time.monotonic() + 15
    # "Packets captured:" comes once the capture is enabled in tern-httpd
    # ("Capturing on" comes before: too early)
    while "Packets captured:" not in open(log).read():
        if dc.poll() is not None or time.monotonic() > deadline:
            h.check(False, "dpdk-dumpcap attaches: " + open(log).read()[-800:])
        time.sleep(0.1)
    h.check(True, "dpdk-dumpcap attaches")
    time.sleep(0.3)
    r = t.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", URL])
    h.check(r.stdout == "200", "curl: 200")
    time.sleep(0.5)
    os.killpg(dc.pid, signal.SIGINT)
    dc.wait(timeout=10)
    h.log(open(log).read().strip())
    r = subprocess.run(["tcpdump", "-nn", "-r", pcap, "-A", "tcp port 80"], capture_output=True,
                       text=True, timeout=30)
    txt = r.stdout
    peer, tern = h.PEER_IP, h.TERN_IP
    syn = re.search(r"IP %s\.(\d+) > %s\.80: Flags \[S\]" % (re.escape(peer), re.escape(tern)),
                    txt)
    h.check(syn is not None, "pcap: the SYN from curl")
    port = syn.group(1)
    pat = {
        "SYN-ACK": r"IP %s\.80 > %s\.%s: Flags \[S\.\]" % (tern, peer, port),
        "request": r"IP %s\.%s > %s\.80: Flags \[P\.\].*\n(?:.*\n)*?.*GET / HTTP/1\.1"
                   % (peer, port, tern),
        "response": r"IP %s\.80 > %s\.%s: Flags \[P?\.\].*\n(?:.*\n)*?.*HTTP/1\.1 200"
                    % (tern, peer, port),
        "curl's FIN": r"IP %s\.%s > %s\.80: Flags \[F" % (peer, port, tern),
        "tern's FIN": r"IP %s\.80 > %s\.%s: Flags \[F" % (tern, peer, port),
    }
    for what, rx in pat.items():
        h.check(re.search(rx, txt) is not None, "pcap: %s" % what)
    return True


def check_bad_segment_log(t):
    from scapy.all import IP, TCP, Ether
    src_mac = t.run(["cat", "/sys/class/net/%s/address" % t.iface]).stdout.strip()
    frames = [bytes(Ether(dst=t.ready["mac"], src=src_mac) /
                    IP(src=h.PEER_IP, dst=h.TERN_IP) /
                    TCP(sport=5000 + i, dport=80, flags="S", chksum=0x1234))
              for i in range(40)]
    t.send_raw(frames)
    st = h.telemetry(t.prefix, "/tern/stats")
    h.log("after 40 bad segments: tcp_drop_cksum %s tcp_rx %s" % (st["tcp_drop_cksum"], st["tcp_rx"]))
    # rte_log writes to stderr; the monitor thread reads counters once a second
    rx = re.compile(r"tern\.tcp: worker \d+: \d+ malformed segments.* from (\S+)")
    deadline = time.monotonic() + 5
    while True:
        m = rx.search(t.tern.stderr_text())
        if m or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    h.check(m is not None and m.group(1) == h.PEER_IP,
            "log: %s" % (m.group(0) if m else "no malformed-segments line in 5 s"))


def main(build, src):
    h.require_netns()
    h.require_tools("wrk", "curl", "tcpdump", "dpdk-dumpcap")
    # hugepage files kept while it runs: what lets dpdk-dumpcap attach
    os.environ["TERN_SHARED_MEM"] = "1"
    with h.TernNetns(build, src, app="tern-httpd", tern_args=["--port", "80"],
                     lcores="0-1") as t:
        h._cleanups.append(lambda: [os.unlink(f) for f in
                                    glob.glob("/dev/hugepages/%smap_*" % t.prefix)])
        check_under_load(t, src)
        check_nstat(t)
        check_bad_segment_log(t)
        check_idle(t, src)
        captured = check_capture(t)
        rc, st = t.stop()
        h.check(rc == 0, "tern-httpd exits 0")
        if captured:
            left = glob.glob("/dev/hugepages/%smap_*" % t.prefix)
            h.check(not left, "its hugepage files are gone at exit (%d left)" % len(left))


if __name__ == "__main__":
    h.run_test(main)
