# SPDX-License-Identifier: BSD-3-Clause
"""
Segmentation offloads over net_tap against Linux, measured: tern-echo in a test
namespace (tests/integration's harness) with [port] tso and gro in each of their
four settings, 4 Linux connections each sending BYTES and reading the echo back
(every byte compared), ROUNDS rounds, the settings taking turns (every other round
in reverse order). Prints Mbit/s (both directions) and tern-echo's busy seconds
per run, then the medians. As root, from the source tree:

    /usr/bin/python3 tests/bench/tap_offloads.py BUILD_DIR [ROUNDS [MIB]]

docs/bench.md has what it gave on the development VM.
"""
import os
import statistics
import sys

sys.dont_write_bytecode = True
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

SETTINGS = [("off", 0), ("on", 1), ("on", 0), ("off", 1)]   # (tso, gro)
CONNS = 4


def one(build, tso, gro, mib):
    cfg = "\n[port]\ntso = %s\ngro = %d\n" % (tso, gro) + tt.config(
        stack={"mbufs": 65535}, tcp={"sndbuf": 262144, "rcvbuf": 262144})
    with h.TernNetns(build, SRC, config_extra=cfg) as t:
        rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7, "--conns", CONNS,
                              "--bytes", mib << 20, "--seed", 3, "--shutdown", "after-send",
                              timeout=120)
        trc, st = tt.stop(t)
    if rc != 0 or res["ok"] != CONNS or trc != 0:
        h.fail("tso=%s gro=%d: client rc %d, %d/%d connections whole, tern-echo rc %d"
               % (tso, gro, rc, res["ok"], CONNS, trc))
    return 8.0 * 2 * CONNS * (mib << 20) / res["elapsed"] / 1e6, st["polls_busy_us"] / 1e6


def main():
    build = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    mib = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    h.require_netns()
    seen = {s: [] for s in SETTINGS}
    for r in range(rounds):
        for s in (SETTINGS if r % 2 == 0 else SETTINGS[::-1]):
            mbps, busy = one(build, s[0], s[1], mib)
            seen[s].append((mbps, busy))
            print("round %d tso=%s gro=%d: %.0f Mbit/s, tern-echo busy %.2f s"
                  % (r, s[0], s[1], mbps, busy), flush=True)
    for s in SETTINGS:
        print("tso=%s gro=%d: median %.0f Mbit/s, busy %.2f s"
              % (s[0], s[1], statistics.median(x[0] for x in seen[s]),
                 statistics.median(x[1] for x in seen[s])))


if __name__ == "__main__":
    h.install_signal_handlers()
    main()
