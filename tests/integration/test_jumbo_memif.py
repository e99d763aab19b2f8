# SPDX-License-Identifier: BSD-3-Clause
"""
Jumbo frames end to end over net_memif ([port] mtu = 9000 at both ends):

- tern-loadgen's echo mode against tern-echo, 8 connections of 64 KiB
  messages: every byte echoed back is compared with the pattern sent, and
  frames longer than a 1500-byte MTU's (1514 bytes) must have carried them:
  each end's average received frame is over 4 KiB.
- tern-loadgen's bulk mode against tern-httpd, one connection downloading
  64 MiB bodies: every response whole (status, length), and the server's
  data segments average over 8000 bytes (the MSS is 8960); then the same
  over IPv6 (MSS 8940).
- Neither end drops a frame as short, long or corrupt (two frames run
  together, or one cut, would show there: checksums are checked).
- A 9000-byte MTU on a memif port, server or client, whose buffers are the
  default 2048 bytes stops the start with a message that names bsize=
  (DPDK 22.11's net_memif carries a longer frame as a chain of buffers,
  which its Tx path corrupts on reuse; drivers/dpdk keeps a frame to one
  buffer).

memif is shared memory between the two processes: no network is touched.
"""
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

MTU = 9000
BSIZE = 9216            # one memif buffer holds a whole 9014-byte frame
CONF = "[port]\nmtu = %d\n[stack]\nmbufs = 8191\n" % MTU
ADDR6 = "fd00:78::%d"   # the server's is ADDR6 % 1, tern-loadgen's ADDR6 % 2
# what a frame cut short, two frames run together or one too long for a
# buffer would show as (checksums are computed and checked on this link)
FRAMING_DROPS = ("tx_drop_oversize", "eth_drop_short", "ip_drop_short", "ip_drop_hdrlen",
                 "ip_drop_totlen", "ip_drop_cksum", "ip6_drop_short", "ip6_drop_len",
                 "tcp_drop_short", "tcp_drop_cksum")


def pair(build, src, tmp, tag, server_app, server_args, client_args, what):
    """
    @server_app (lcore 0) and tern-loadgen (lcore 1) over one memif link at
    MTU 9000 for a 2 s run; returns (server stats, client stats, summary).
    """
    sock = os.path.join(tmp, "%s.sock" % tag)
    dev = "net_memif0,role=%%s,id=0,socket=%s,bsize=%d" % (sock, BSIZE)
    srv_conf = os.path.join(tmp, "%s-srv.conf" % tag)
    cli_conf = os.path.join(tmp, "%s-cli.conf" % tag)
    for path, role, n in ((srv_conf, "server", 1), (cli_conf, "client", 2)):
        with open(path, "w") as f:
            f.write("[port]\ndevice = %s\nmtu = %d\n[ipv4]\naddress = 10.78.0.%d\n"
                    "netmask = 255.255.255.0\n[ipv6]\naddress = %s/64\n"
                    "[stack]\nmbufs = 8191\n" % (dev % role, MTU, n, ADDR6 % n))
    prefix = "tern-jm%d%s" % (os.getpid(), tag)
    srv = h.start_app(build, src, server_app, 0, prefix + "s", srv_conf, tmp, server_args)
    ready = srv.wait_line(r"ready:", 30)
    h.check(ready is not None, "%s: %s ready" % (what, server_app))
    h.check(h.parse_ready(ready)["mtu"] == MTU, "%s: %s's MTU is %d" % (what, server_app, MTU))
    cli = h.start_app(build, src, "tern-loadgen", 1, prefix + "c", cli_conf, tmp,
                      client_args + ["--duration", "2", "--drain-ms", "3000", "--wait-link",
                                     "10", "--json", "--linger"])
    src_rc, st_s, cli_rc = h.memif_close_pair(srv, cli)
    h.check(src_rc == 0 and cli_rc == 0, "%s: both ends exit 0 (%s, %s)"
            % (what, h.status_text(src_rc), h.status_text(cli_rc)))
    summary = h.check_loadgen_clean(cli.stdout_lines, what)
    st_c = h.parse_stats(cli.stdout_lines)
    for name, st in ((server_app, st_s), ("tern-loadgen", st_c)):
        bad = {k: st[k] for k in FRAMING_DROPS if st[k]}
        h.check(not bad, "%s: %s dropped no frame as too short, too long or corrupt %s"
                % (what, name, bad))
    return st_s, st_c, summary


def avg(num, den):
    return num / max(1, den)


def echo_run(build, src, tmp):
    what = "echo at MTU %d" % MTU
    st_s, st_c, s = pair(build, src, tmp, "e", "tern-echo", [],
                         ["--target", "10.78.0.1:7", "--mode", "echo", "--conns", "8",
                          "--size", "65536", "--depth", "1"], what)
    h.check(s["requests"] >= 8, "%s: messages echoed whole, each byte compared (%d)"
            % (what, s["requests"]))
    for name, st in (("tern-echo", st_s), ("tern-loadgen", st_c)):
        a = avg(st["rx_bytes"], st["rx_frames"])
        h.log("RESULT %s: %s received %d frames, %.0f bytes each on average"
              % (what, name, st["rx_frames"], a))
        h.check(a > 4096, "%s: %s's frames average over 4 KiB (%.0f)" % (what, name, a))


def bulk_run(build, src, tmp, ip6=False):
    what = "bulk at MTU %d over %s" % (MTU, "IPv6" if ip6 else "IPv4")
    target = "[%s]:80" % (ADDR6 % 1) if ip6 else "10.78.0.1:80"
    st_s, _, s = pair(build, src, tmp, "b6" if ip6 else "b", "tern-httpd", ["--port", "80"],
                      ["--target", target, "--mode", "bulk", "--conns", "1",
                       "--bytes", str(64 << 20)], what)
    a = avg(st_s["tcp_tx_bytes"], st_s["tcp_tx_data_segs"])
    h.log("RESULT %s: %.2f Gbit/s, %d data segments of %.0f bytes on average"
          % (what, s["gbit_per_s"], st_s["tcp_tx_data_segs"], a))
    h.check(a > 8000, "%s: tern-httpd's data segments average over 8000 bytes (%.0f)"
            % (what, a))
    family = st_s["ip6_tx"] if ip6 else st_s["ip_tx"]
    h.check(family >= st_s["tcp_tx_data_segs"], "%s: its segments left over %s (%d packets)"
            % (what, "IPv6" if ip6 else "IPv4", family))


def too_small_buffers(build, src, tmp, role):
    """MTU 9000 on a memif port (@role) with 2048-byte buffers: a clear refusal."""
    conf = h.memif_conf(os.path.join(tmp, "small-%s.conf" % role), role,
                        os.path.join(tmp, "small.sock"), "10.78.0.1", CONF)
    p = h.start_app(build, src, "tern-httpd", 0, "tern-jm%d%s" % (os.getpid(), role[0]),
                    conf, tmp, ["--port", "80"])
    p.expect = {1}
    rc = p.wait(30)
    err = p.stderr_text()
    h.check(rc == 1, "MTU %d over a memif %s's 2048-byte buffers: the start fails (%s)"
            % (MTU, role, h.status_text(rc)))
    h.check("bsize=" in err, "the message names bsize= (%s)" % err.strip()[-200:])


def main(build, src):
    h.require_root()
    h.install_signal_handlers()
    tmp = tempfile.mkdtemp(prefix="tern-jm-%d-" % os.getpid())
    h._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    echo_run(build, src, tmp)
    bulk_run(build, src, tmp)
    bulk_run(build, src, tmp, ip6=True)
    for role in ("server", "client"):
        too_small_buffers(build, src, tmp, role)


if __name__ == "__main__":
    h.run_test(main)
