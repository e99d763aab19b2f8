# SPDX-License-Identifier: BSD-3-Clause
"""
Every core over net_memif (shared memory between two processes; no network):

- tern-loadgen with 2 workers against tern-httpd with 2 workers, 2 queue
  pairs: keep-alive HTTP and Connection: close. Tern's symmetric key makes
  both ends' owner functions agree, so a flow's frames go straight to its
  owner at both ends: nothing is steered.
- tern-loadgen with 2 workers against tern-httpd with 1 worker ([port]
  queues = 2: a memif link has as many queue pairs at both ends): the
  server's one worker polls both queues; the client's worker 0 receives all
  the server sends and passes half to worker 1.

Each run: 0 errors, 0 connections failed to open or reset, none left open,
no non-2xx, both client workers opened connections, no steered frame lost,
both processes exit 0. The pair is torn down with the linger protocol: the
client prints its summary with its workers stopped and keeps its port; the
server stops (workers, then port); then the client. On this 2-core machine 3
or 4 polling workers share 2 cores: a correctness run, the rates mean
nothing.
"""
import os
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tern_harness as h  # noqa: E402

RUNS = [
    # server lcores, server [port] queues (0: one per worker), mode, connections
    ("0-1", 0, "http", 64),
    ("0-1", 0, "http-close", 32),
    ("0", 2, "http", 64),
    ("0", 2, "http-close", 32),
]


def start(build, src, app, lcores, prefix, conf, tmp, args):
    argv = ([h.tern_echo_path(build, app)] + h.eal_args(src, prefix, lcores)
            + ["--", "--config", conf] + args)
    h.log("start: " + " ".join(argv))
    return h.TernProcess(argv, os.path.join(tmp, "%s.stderr" % app))


def one_run(build, src, srv_lcores, srv_queues, mode, conns):
    tmp = tempfile.mkdtemp(prefix="tern-mcm-")
    sock = os.path.join(tmp, "memif.sock")
    common = ("[stack]\nmbufs = 8191\n[tcp]\nmax_conns = 4096\nmax_time_wait = 4096\n"
              "time_wait_ms = 1000\n")
    srv_conf, cli_conf = os.path.join(tmp, "srv.conf"), os.path.join(tmp, "cli.conf")
    with open(srv_conf, "w") as f:
        f.write("[port]\ndevice = net_memif0,role=server,id=0,socket=%s\nqueues = %d\n"
                "[ipv4]\naddress = 10.78.0.1\nnetmask = 255.255.255.0\n%s"
                % (sock, srv_queues, common))
    with open(cli_conf, "w") as f:
        f.write("[port]\ndevice = net_memif0,role=client,id=0,socket=%s\n"
                "[ipv4]\naddress = 10.78.0.2\nnetmask = 255.255.255.0\n%s" % (sock, common))
    tag = "%d%s" % (os.getpid(), mode[:1])
    what = "tern-loadgen x2 against tern-httpd x%s (%s queues), %s" % (
        "2" if srv_lcores == "0-1" else "1", srv_queues or "2", mode)
    srv = start(build, src, "tern-httpd", srv_lcores, "tern-mms" + tag, srv_conf, tmp,
                ["--port", "80"])
    cli = None
    try:
        h.check(srv.wait_line(r"serving", 30) is not None, "%s: tern-httpd ready" % what)
        cli = start(build, src, "tern-loadgen", "0-1", "tern-mmc" + tag, cli_conf, tmp,
                    ["--target", "10.78.0.1:80", "--mode", mode, "--conns", str(conns),
                     "--duration", "2", "--drain-ms", "3000", "--wait-link", "10", "--json",
                     "--linger"])
        if cli.wait_line(r"lingering", 60) is None:
            cli.dump("did not finish its run (rc %s)" % cli.wait(1))
            srv.dump("its server")
            h.fail("%s: tern-loadgen did not finish its run" % what)
        # the client's workers have stopped: the server may go first
        rc_s, st_s = srv.stop(timeout=20)
        rc_c, st_c = cli.stop(timeout=20)
    finally:
        for p in (cli, srv):
            if p is not None:
                p.kill()
    for name, p, rc in (("tern-httpd", srv, rc_s), ("tern-loadgen", cli, rc_c)):
        if rc != 0:
            p.dump("exit status %s" % rc)
        h.check(rc == 0, "%s: %s exit status 0 (%s)" % (what, name, rc))
    h.check_loadgen_clean(cli.stdout_lines, what)
    for name, p, st in (("server", srv, st_s), ("client", cli, st_c)):
        ws = h.parse_workers(p.stdout_lines)
        h.log("%s %s per worker: %s" % (what, name, ws))
        h.check(all(w["steer_drop_full"] == 0 for w in ws), "%s: %s lost no steered frame"
                % (what, name))
        h.check(st["steer_rx"] + st["steer_drop_stopped"] == st["steer_tx"],
                "%s: %s: every steered frame reached its "
                "owner" % (what, name))
        h.check(st["tcp_conn_reset"] == 0, "%s: %s: no connection reset (%d)"
                % (what, name, st["tcp_conn_reset"]))
        h.log("RESULT %s, %s: %d of %d TCP frames (%.1f%%) steered"
              % (what, name, st["steer_tx"], st["tcp_rx"],
                 100.0 * st["steer_tx"] / max(1, st["tcp_rx"])))
    if srv_lcores == "0-1":
        h.check(st_s["steer_tx"] == 0 and st_c["steer_tx"] == 0, "%s: equal worker counts "
                "steer nothing (owner functions agree)" % what)
        h.check(all(w["tcp_passive_opens"] > 0 for w in h.parse_workers(srv.stdout_lines)),
                "%s: both server workers accepted connections" % what)
    else:
        h.check(st_c["steer_tx"] > 0, "%s: the client steered what arrived on queue 0 "
                "for worker 1" % what)


def main(build, src):
    h.require_root()
    h.install_signal_handlers()
    if os.cpu_count() < 2:
        h.skip("needs 2 CPUs")
    for srv_lcores, srv_queues, mode, conns in RUNS:
        one_run(build, src, srv_lcores, srv_queues, mode, conns)
        time.sleep(0.2)


if __name__ == "__main__":
    h.run_test(main)
