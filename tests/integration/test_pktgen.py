# SPDX-License-Identifier: BSD-3-Clause
"""
A third-party SYN flood: Pktgen-DPDK floods tern-httpd over net_memif from
198.18.0.0/15 while tern-loadgen opens legitimate connections through the
same link (tools/pktgen/tern-pktgen syn-flood, a few seconds).

Checks (tern-pktgen --check, where the bounds live): pktgen's SYNs reached
the server; >= 99% of the legitimate connections succeeded, every request
answered 200; the flood was answered with cookies, none bad, no SYN dropped
for a full queue; the server's memory stayed flat; every process (pktgen,
tern-httpd, tern-loadgen) exited 0.

pktgen is not in Debian: $PKTGEN, else `pktgen` on PATH, else a build kept
beside the repository (../shared/tools/pktgen/bin/pktgen); without one the
test skips with one line. Only shared memory is used: no network is touched.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

SECONDS = 3


def find_pktgen(src):
    for p in [os.environ.get("PKTGEN"), shutil.which("pktgen"), "/usr/local/bin/pktgen",
              os.path.join(src, "..", "shared", "tools", "pktgen", "bin", "pktgen")]:
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return os.path.abspath(p)
    return None


def main(build, src):
    h.require_root()
    pktgen = find_pktgen(src)
    if pktgen is None:
        h.skip("pktgen not found (set PKTGEN=/path/to/pktgen; README, \"pktgen\")")
    tmp = tempfile.mkdtemp(prefix="tern-it-%d-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    out = os.path.join(tmp, "figures.json")
    argv = ["/usr/bin/python3", os.path.join(src, "tools", "pktgen", "tern-pktgen"), "syn-flood",
            "--seconds", str(SECONDS), "--build", build, "--pktgen", pktgen, "--json", out,
            "--check"]
    h.log("run: " + " ".join(argv))
    p = subprocess.run(argv, timeout=240)
    h.check(os.path.exists(out), "tern-pktgen wrote its figures")
    with open(out) as f:
        res = json.load(f)
    lg, st = res.get("legit") or {}, res.get("server_stats", {})
    h.log("figures: %s" % json.dumps({k: res.get(k) for k in (
        "flood_seconds", "rates_per_s", "server_busy_pct", "server_rss_kib", "pktgen_status",
        "server_status", "loadgen_status")}))
    h.log("legitimate: %d connections done, %d failed, %d reset, latency us %s; server: "
          "SYNs %d, cookies sent %d, accepted %d" % (
              lg.get("conns_done", 0), lg.get("conns_failed", 0), lg.get("conns_reset", 0),
              lg.get("lat_us"), st.get("tcp_syn_rcvd", 0), st.get("tcp_syncookies_sent", 0),
              st.get("tcp_syncookies_ok", 0)))
    h.check(p.returncode == 0, "tern-pktgen syn-flood --check passed (exit status %d)"
            % p.returncode)


if __name__ == "__main__":
    h.run_test(main)
