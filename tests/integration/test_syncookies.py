# SPDX-License-Identifier: BSD-3-Clause
"""
SYN cookies with the Linux kernel as the client (issue: SYN cookies).

tern-echo runs with `[tcp] syncookies = always`, so every SYN is answered
statelessly and every connection is rebuilt from its cookie:
- with Linux's defaults (timestamps, window scaling, SACK): 4 connections
  echo 1 MiB each, bytes compared; tern's connection info shows timestamps,
  SACK and both window shifts restored from the cookie;
- with timestamps turned off in the namespace: the cookie carries the MSS
  only; the connection still works, without window scaling and SACK;
- counters: cookies sent == cookies accepted == connections, none bad.
"""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

CLIENT = r"""
import os, random, selectors, socket, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
for c in range(n):
    data = random.Random(c).randbytes(size)
    s = socket.create_connection(("10.77.0.2", 7), timeout=10)
    s.setblocking(False)
    sel = selectors.DefaultSelector(); sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent, got = 0, bytearray()
    while len(got) < size:
        ev = sel.select(10)
        if not ev:
            sys.exit("conn %d: stalled at %d/%d" % (c, len(got), size))
        for _, mask in ev:
            if mask & selectors.EVENT_WRITE and sent < size:
                sent += s.send(data[sent:sent + 65536])
                if sent == size:
                    sel.modify(s, selectors.EVENT_READ)
            if mask & selectors.EVENT_READ:
                d = s.recv(1 << 16)
                if not d:
                    sys.exit("conn %d: EOF at %d/%d" % (c, len(got), size))
                got += d
    if bytes(got) != data:
        sys.exit("conn %d: echoed bytes differ" % c)
    s.close()
print("ok", n)
"""


def conn_lines(t):
    return [l for l in t.tern.stdout_lines if l.startswith("tern-echo: conn ")]


def run_case(build, src, ts_on):
    extra = "[tcp]\nsyncookies = always\n"
    with h.TernNetns(build, src, tern_args=["--conn-info"], config_extra=extra) as t:
        if not ts_on:
            t.run(["sysctl", "-q", "-w", "net.ipv4.tcp_timestamps=0"])
        n = 4
        r = t.run(["/usr/bin/python3", "-c", CLIENT, str(n), str(1 << 20)], timeout=120,
                  check=False)
        h.check(r.returncode == 0, "echo through cookie connections (%s): %s"
                % ("timestamps" if ts_on else "no timestamps", (r.stdout + r.stderr).strip()))
        rc, st = t.stop()
        h.check(rc == 0, "tern-echo exit status 0")
        lines = conn_lines(t)
        h.check(len(lines) == n, "%d accepted connections printed, got %d" % (n, len(lines)))
        for line in lines:
            m = re.search(r"mss (\d+) snd_wscale (\d+) rcv_wscale (\d+) ts (\d) sack (\d)", line)
            h.check(m is not None, "conn line parsed: " + line)
            mss, sws, rws, ts, sack = (int(x) for x in m.groups())
            h.log(line)
            if ts_on:
                h.check(ts == 1 and sack == 1, "timestamps and SACK restored from the cookie")
                h.check(sws > 0 and rws > 0, "window scaling restored (snd %d, rcv %d)"
                        % (sws, rws))
                h.check(mss == 1460 - 12, "MSS 1460 less timestamps: %d" % mss)
            else:
                h.check(ts == 0 and sack == 0 and sws == 0 and rws == 0,
                        "without timestamps the cookie carries the MSS only")
                h.check(mss == 1460, "MSS 1460 from the cookie: %d" % mss)
        h.check(st["tcp_syncookies_sent"] == n, "cookies sent %d" % st["tcp_syncookies_sent"])
        h.check(st["tcp_syncookies_ok"] == n, "cookies accepted %d" % st["tcp_syncookies_ok"])
        h.check(st["tcp_syncookies_bad"] == 0, "no bad cookies")
        h.check(st["tcp_passive_opens"] == n, "connections accepted %d" % st["tcp_passive_opens"])
        h.check(st["tcp_rx_bytes"] == n << 20, "bytes delivered %d" % st["tcp_rx_bytes"])


def main(build, src):
    h.require_root()
    h.require_netns()
    run_case(build, src, ts_on=True)
    run_case(build, src, ts_on=False)


if __name__ == "__main__":
    h.run_test(main)
