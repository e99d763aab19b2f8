#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run packetdrill scripts against Tern's adapter (tern_packetdrill.so).

  pd_run.py own [--family F] BUILD [SCRIPT...]
                                       our scripts (tests/packetdrill/scripts)
  pd_run.py upstream BUILD --list F    the upstream scripts named in F
  pd_run.py upstream BUILD --report    every upstream TCP script, with a
                                       summary next to the Linux pass list

--family is ipv4 (the default), ipv6 or ipv4-mapped-ipv6 (FAMILIES below).

packetdrill is found through $PACKETDRILL, else at
<source root>/../shared/tools/packetdrill/bin/packetdrill; the upstream
scripts through $PACKETDRILL_TESTS (a copy of packetdrill's gtests/net
folder, holding tcp/ and common/), else tests/ beside the binary's folder.
Without them the run is skipped (exit 77) with one line.

A script of ours may set adapter flags in a comment line
'// so_flags: key=value,...' (added to the defaults of its mode), and name
the families it runs in (else all) in '// family: F[,F...]'.
Upstream scripts run from a temporary copy of the tests folder whose
common/defaults.sh is tests/packetdrill/upstream-defaults.sh: the Linux
sysctls of upstream's file are stated there and applied through --so_flags
(LINUX_FLAGS below), since they cannot be set on Tern with sysctl.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SKIP = 77

# Each address family packetdrill runs a script in, with the addresses of
# upstream's run_all.py: (packetdrill's arguments, the adapter's flags).
# IPv6 runs at MTU 1520, so that the MSS is 1460 as over IPv4; in
# ipv4-mapped-ipv6 the sockets are AF_INET6 and the wire IPv4.
V6_LOCAL, V6_GATEWAY = 'fd3d:0a0b:17d6::1', 'fd3d:0a0b:17d6:8888::1'
V4_ARGS = ['--local_ip=192.168.0.1', '--gateway_ip=192.168.0.1',
           '--netmask_ip=255.255.0.0', '--remote_ip=192.0.2.1',
           '-D', 'TFO_COOKIE=3021b9d889017eeb', '-D', 'CODE=host_unreachable']
FAMILIES = {
    'ipv4': (['--ip_version=ipv4'] + V4_ARGS +
             ['-D', 'CMSG_LEVEL_IP=SOL_IP', '-D', 'CMSG_TYPE_RECVERR=IP_RECVERR'], ''),
    'ipv6': (['--ip_version=ipv6', '--mtu=1520', '--local_ip=' + V6_LOCAL,
              '--gateway_ip=' + V6_GATEWAY, '--remote_ip=fd3d:fa7b:d17d::1',
              '-D', 'TFO_COOKIE=c1d1e9742a47a9bc', '-D', 'CMSG_LEVEL_IP=SOL_IPV6',
              '-D', 'CMSG_TYPE_RECVERR=IPV6_RECVERR'],
             'local_ip=%s,gateway_ip=%s,mtu=1520' % (V6_LOCAL, V6_GATEWAY)),
    'ipv4-mapped-ipv6': (['--ip_version=ipv4-mapped-ipv6'] + V4_ARGS +
                         ['-D', 'CMSG_LEVEL_IP=SOL_IPV6',
                          '-D', 'CMSG_TYPE_RECVERR=IPV6_RECVERR'], ''),
}

# Linux defaults upstream's scripts assume, as Tern options:
# window scale 8 (tcp_rmem max 15 MiB), a 256 KiB send buffer (tcp_wmem),
# 40 ms delayed ACK (TCP_DELACK_MAX... Linux's ATO starts at 40 ms), 200 ms
# minimum RTO, 1 s initial RTO is Tern's own, syn retries 5, timestamps,
# SACK, window scaling, SYN cookies when the queue overflows, cubic.
LINUX_FLAGS = ('rcvbuf=15728640,sndbuf=262144,delack_ms=40,rto_min_ms=200,'
               'syn_retries=5,timestamps=1,sack=1,window_scaling=1,'
               'syncookies=0,cc=1,time_wait_ms=60000')


def find_packetdrill():
    if os.environ.get('TERN_PD_SANITIZE'):
        print('SKIP: sanitizer build: packetdrill loads the adapter with '
              'RTLD_DEEPBIND, which ASan refuses; run the plain build')
        sys.exit(SKIP)
    pd = os.environ.get('PACKETDRILL')
    if not pd:
        pd = os.path.join(SRC, '..', 'shared', 'tools', 'packetdrill', 'bin',
                          'packetdrill')
    pd = os.path.abspath(pd)
    if not os.access(pd, os.X_OK):
        print('SKIP: packetdrill not found: build google/packetdrill and set '
              'PACKETDRILL=/path/to/packetdrill (docs/conformance.md)')
        sys.exit(SKIP)
    return pd


def find_upstream(pd):
    tests = os.environ.get('PACKETDRILL_TESTS')
    if not tests:
        tests = os.path.join(os.path.dirname(os.path.dirname(pd)), 'tests')
    if not os.path.isdir(os.path.join(tests, 'tcp')):
        print('SKIP: upstream packetdrill scripts not found: set '
              'PACKETDRILL_TESTS to a copy of packetdrill\'s gtests/net')
        sys.exit(SKIP)
    return os.path.abspath(tests)


def adapter(build):
    so = os.path.join(os.path.abspath(build), 'tests', 'packetdrill',
                      'tern_packetdrill.so')
    if not os.path.exists(so):
        print('FAIL: adapter not built: %s' % so)
        sys.exit(1)
    return so


def script_header(path, key):
    """The value of a script's '// KEY: value' comment line, or ''."""
    with open(path, errors='replace') as f:
        for line in f:
            m = re.match(r'\s*//\s*%s:\s*(\S+)' % key, line)
            if m:
                return m.group(1)
    return ''


def run_one(pd, so, path, flags, family='ipv4', timeout=30):
    """Run one script from its folder. @return (passed, seconds, output)."""
    args, family_flags = FAMILIES[family]
    cmd = [pd, '--so_filename=' + so, '--so_flags=' + merge(family_flags, flags)] + \
        args + ['--send_omit_free', os.path.basename(path)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=os.path.dirname(path), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out, ok = p.stdout.decode(errors='replace'), p.returncode == 0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace') + '\n(timed out)'
        ok = False
    return ok, time.monotonic() - t0, out


def first_error(out):
    for line in out.splitlines():
        if 'error' in line or 'tern-pd' in line or 'timed out' in line:
            return line.strip()
    lines = out.strip().splitlines()
    return lines[-1].strip() if lines else '(no output)'


def merge(*flags):
    return ','.join(f for f in flags if f)


def cmd_own(args):
    pd = find_packetdrill()
    so = adapter(args.build)
    sdir = os.path.join(HERE, 'scripts')
    scripts = args.scripts or sorted(
        os.path.join(sdir, f) for f in os.listdir(sdir) if f.endswith('.pkt'))
    # a script in one family's terms (an ICMP or ICMPv6 line) names those
    # it runs in: '// family: ipv4,ipv4-mapped-ipv6'
    scripts = [os.path.abspath(s) for s in scripts
               if script_header(s, 'family') in ('', args.family) or
               args.family in script_header(s, 'family').split(',')]
    failed = []
    t0 = time.monotonic()
    for s in scripts:
        ok, secs, out = run_one(pd, so, s, script_header(s, 'so_flags'), args.family)
        print('%-4s %-40s %6.3f s' % ('ok' if ok else 'FAIL', os.path.basename(s), secs))
        if not ok:
            failed.append(s)
            print('     ' + '\n     '.join(out.strip().splitlines()[-12:]))
    print('%d of %d scripts passed in %.2f s' % (len(scripts) - len(failed), len(scripts),
                                                 time.monotonic() - t0))
    return 1 if failed else 0


def upstream_copy(tests, tmp):
    """A copy of the tests folder with our common/defaults.sh."""
    dst = os.path.join(tmp, 'tests')
    shutil.copytree(tests, dst, symlinks=True)
    for d in ('common', os.path.join('tcp', 'common')):
        path = os.path.join(dst, d)
        if os.path.isdir(path):
            target = os.path.join(path, 'defaults.sh')
            if os.path.lexists(target):
                os.remove(target)
            shutil.copy(os.path.join(HERE, 'upstream-defaults.sh'), target)
            os.chmod(target, 0o755)
    return dst


def read_list(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith('#')]


def cmd_upstream(args):
    pd = find_packetdrill()
    so = adapter(args.build)
    tests = find_upstream(pd)
    linux = os.path.join(os.path.dirname(tests), 'linux-pass.txt')
    linux_pass = set(read_list(linux)) if os.path.exists(linux) else None
    with tempfile.TemporaryDirectory(prefix='tern-pd-') as tmp:
        root = upstream_copy(tests, tmp)
        if args.list:
            scripts = read_list(args.list)
        else:
            scripts = sorted(os.path.relpath(os.path.join(d, f), root)
                             for d, _, fs in os.walk(os.path.join(root, 'tcp'))
                             for f in fs if f.endswith('.pkt'))
        passed, failed = [], []
        t0 = time.monotonic()
        for rel in scripts:
            path = os.path.join(root, rel)
            if not os.path.exists(path):
                print('FAIL %s (missing)' % rel)
                failed.append(rel)
                continue
            ok, secs, out = run_one(pd, so, path, merge(LINUX_FLAGS, args.so_flags),
                                   args.family)
            (passed if ok else failed).append(rel)
            line = '%-4s %-70s %6.3f s' % ('ok' if ok else 'FAIL', rel, secs)
            if not ok:
                line += '  ' + first_error(out)[:160]
            print(line, flush=True)
            if not ok and args.verbose:
                print('     ' + '\n     '.join(out.strip().splitlines()[-20:]))
        wall = time.monotonic() - t0
    print('Tern: %d of %d upstream scripts passed in %.1f s' % (len(passed), len(scripts),
                                                                wall))
    if linux_pass is not None:
        ours = set(passed)
        run = set(scripts)
        lp = linux_pass & run
        print('Linux: %d of these %d pass (linux-pass.txt)' % (len(lp), len(run)))
        print('both pass: %d; Linux only: %d; Tern only: %d' % (
            len(ours & lp), len(lp - ours), len(ours - lp)))
    if args.write_pass:
        with open(args.write_pass, 'w') as f:
            f.write('# Upstream packetdrill scripts Tern passes: the packetdrill-upstream test\n'
                    '# runs them all (pd_run.py upstream BUILD --report --write-pass FILE\n'
                    '# regenerates this list; docs/conformance.md).\n')
            for rel in sorted(passed):
                f.write(rel + '\n')
    return 1 if failed and args.list else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='mode', required=True)
    o = sub.add_parser('own')
    o.add_argument('build')
    o.add_argument('scripts', nargs='*')
    u = sub.add_parser('upstream')
    u.add_argument('build')
    u.add_argument('--list', help='run only the scripts named in this file; '
                   'any failure fails the run')
    u.add_argument('--report', action='store_true', help='run every script')
    u.add_argument('--write-pass', help='write the scripts that passed here')
    u.add_argument('--so_flags', default='', help='more adapter flags')
    u.add_argument('-v', '--verbose', action='store_true')
    for p in (o, u):
        p.add_argument('--family', choices=sorted(FAMILIES), default='ipv4',
                       help='the address family of the run (default ipv4)')
    args = ap.parse_args()
    sys.exit(cmd_own(args) if args.mode == 'own' else cmd_upstream(args))


if __name__ == '__main__':
    main()
