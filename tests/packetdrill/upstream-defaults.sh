#!/bin/sh
# common/defaults.sh for upstream's packetdrill scripts run against Tern.
# Upstream's file sets Linux sysctls on the host; Tern is configured through
# the adapter's --so_flags instead (tests/packetdrill/pd_run.py, LINUX_FLAGS):
#   tcp_rmem max 15 MiB      -> rcvbuf=15728640 (window scale 8)
#   tcp_wmem default 256 KiB -> sndbuf=262144
#   tcp_timestamps=1, tcp_sack=1            -> timestamps=1, sack=1
#   tcp_syn_retries=5                        -> syn_retries=5
#   tcp_congestion_control=cubic             -> cc=1
# The rest (FRTO, RACK/TLP, ECN, fastopen, pacing, tc qdisc) has no Tern
# counterpart. Nothing runs on the host.
exit 0
