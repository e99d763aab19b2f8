# SPDX-License-Identifier: BSD-3-Clause
"""
TCP counters after a lossless bulk run: one Linux connection sends 20 MiB to
tern-echo (default config) while reading the echo, then FIN; the echo is
compared byte for byte.

- no spurious retransmission by tern: tcp_rexmt_segs == 0,
  tcp_rexmt_timeout == 0, tcp_fast_rexmt == 0 unless the kernel dropped frames
  on the tap during the run (its rx/tx dropped counters or the softnet backlog
  drops: net_tap is not lossless when tern falls behind); then retransmissions
  are allowed but bounded (<= 1% of data segments). Linux's RetransSegs in the
  namespace is printed too;
- ACK economy: tcp_tx_ack_only / tcp_rx_data_segs < 0.6 (tern sends pure
  ACKs for fewer than 6 in 10 data segments received; with echo most ACKs
  ride on the echoed data). The ratio, tcp_tx_data_segs and tcp_rx_data_segs
  are printed.

One-way bulk into tern: with echo, ACKs ride on data, so the ratio above says
little about tern's ACK policy. tern-echo in client mode sends 20 MiB to a
Linux server in the namespace that sends nothing back before it has all 20 MiB
(tcp_peer.py server --hold), then returns them: the second half is a one-way
20 MiB download into tern, whose only replies are pure ACKs. Same checks: no
retransmission, ratio < 0.6, printed. (RFC 5681 4.2 asks for an ACK at least
every second full-sized segment, i.e. a ratio near 0.5; a much lower ratio
means stretch ACKs and is printed as a note, not failed.)
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402
import tern_tcp as tt  # noqa: E402

BYTES = 20 * 1024 * 1024
MSS_MAX = 1460          # the most payload one segment carries on the tap
MAX_ACK_RATIO = 0.6
RFC5681_RATIO = 0.4     # below: fewer than one ACK per two full-sized segments
PORT = 5002


def check_counters(st, label, link_dropped):
    ratio = st["tcp_tx_ack_only"] / max(1, st["tcp_rx_data_segs"])
    h.log("%s: ACK ratio tcp_tx_ack_only / tcp_rx_data_segs = %d / %d = %.4f"
          % (label, st["tcp_tx_ack_only"], st["tcp_rx_data_segs"], ratio))
    tt.show(st, "tcp_tx_data_segs", "tcp_rx_data_segs", "tcp_tx_ack_only", "tcp_tx_segs",
            "tcp_delack_timeout", "tcp_rexmt_segs", "tcp_rexmt_timeout", "tcp_fast_rexmt",
            "tcp_rx_ooo_segs", "tcp_rx_dup_segs")
    h.check(st["tcp_rx_bytes"] == BYTES, "%s: tcp_rx_bytes == %d" % (label, BYTES))
    # a tail loss probe (RFC 8985 §7) resends one segment when no ACK came
    # for max(2 SRTT, 10 ms): on a busy machine the peer's ACK can be that
    # late with nothing lost. Such probes are speculative by design, so they
    # are allowed and printed; every other resend needs a real drop.
    probes = st["tcp_tlp_probes"]
    h.log("%s: %d tail loss probes" % (label, probes))
    if link_dropped == 0 or st["tcp_rexmt_segs"] == 0:
        h.check(st["tcp_tx_bytes"] - BYTES <= probes * MSS_MAX,
                "%s: tcp_tx_bytes %d == %d + at most a segment per loss probe (no other "
                "byte sent twice)" % (label, st["tcp_tx_bytes"], BYTES))
    if link_dropped == 0:
        h.check(st["tcp_rexmt_segs"] <= probes, "%s: tcp_rexmt_segs %d <= %d loss probes, the "
                "kernel dropped nothing" % (label, st["tcp_rexmt_segs"], probes))
        for n in ("tcp_rexmt_timeout", "tcp_fast_rexmt"):
            h.check(st[n] == 0, "%s: %s == 0, the kernel dropped nothing (got %d)"
                    % (label, n, st[n]))
    else:
        h.log("%s: the kernel dropped %d frames on the way (tap queue or backlog)"
              % (label, link_dropped))
        h.check(st["tcp_rexmt_segs"] <= max(2, st["tcp_tx_data_segs"] // 100),
                "%s: retransmissions bounded after real drops (%d of %d data segments)"
                % (label, st["tcp_rexmt_segs"], st["tcp_tx_data_segs"]))
    h.check(st["tcp_rx_data_segs"] > 0 and ratio < MAX_ACK_RATIO,
            "%s: ACK ratio %.4f < %.1f" % (label, ratio, MAX_ACK_RATIO))
    return ratio


def echo_upload(build, src):
    base = tt.softnet_drops()
    with h.TernNetns(build, src) as t:
        rc, res = tt.run_peer(t, "client", "--dst", h.TERN_IP, "--port", 7, "--conns", 1,
                              "--bytes", BYTES, "--seed", 61, "--shutdown", "after-send",
                              timeout=60)
        tt.log_client_result(res)
        kern = tt.kernel_tcp_counters(t)
        dropped = tt.link_drops(t, base)
        trc, st = tt.stop(t)
        h.log("Linux (namespace) Tcp: InSegs %d OutSegs %d RetransSegs %d"
              % (kern["InSegs"], kern["OutSegs"], kern["RetransSegs"]))
        h.check(rc == 0 and res["ok"] == 1, "20 MiB echoed byte for byte, EOF, no reset")
        check_counters(st, "echo 20 MiB", dropped)
        tt.check_exit(trc)


def one_way_download(build, src):
    server = tt.LinuxServer(PORT, 1, timeout=90, hold=BYTES)
    base = tt.softnet_drops()
    args = ["--connect", "%s:%d" % (h.PEER_IP, PORT), "--conns", "1", "--bytes", str(BYTES)]
    with h.TernNetns(build, src, pre_start=server.start, tern_args=args) as t:
        tt.resolve_now(t)
        rc, st, line = tt.run_tern_client(t, 60)
        dropped = tt.link_drops(t, base)
        _src, done = server.result(t)
        kern = tt.kernel_tcp_counters(t)
        h.log("Linux (namespace) Tcp: InSegs %d OutSegs %d RetransSegs %d"
              % (kern["InSegs"], kern["OutSegs"], kern["RetransSegs"]))
        h.check(line is not None and "client: 1/1 connections ok" in line,
                "tern-echo client: 20 MiB up, the same 20 MiB back, checked")
        h.check(len(done) == 1 and done[0]["echoed"] == BYTES and done[0]["error"] is None,
                "the Linux server returned all %d bytes" % BYTES)
        ratio = check_counters(st, "one-way 20 MiB into tern", dropped)
        if ratio < RFC5681_RATIO:
            h.log("NOTE: one-way ACK ratio %.4f: tern ACKs fewer than one in two full-sized "
                  "segments (stretch ACKs; RFC 5681 4.2 SHOULD: at least every second)"
                  % ratio)
        tt.check_exit(rc, "(client mode, all connections done)")


def main(build, src):
    h.require_netns()
    h.require_tools("ping")
    echo_upload(build, src)
    one_way_download(build, src)


if __name__ == "__main__":
    h.run_test(main)
