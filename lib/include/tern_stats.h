/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_STATS_H
#define TERN_STATS_H

/**
 * @file
 * Tern counters. Every worker keeps its own struct tern_stats, written only by
 * that worker; tern_stack_stats() sums them on demand. Every frame that enters
 * the stack ends in exactly one "in" or "drop" counter, every frame sent in a
 * "tx" counter or a tx drop counter: nothing is dropped without a count.
 */

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The counter list: X(field, "description"). Adding a line adds the field,
 * its name in tern_stats_name() and its line in telemetry and app reports.
 */
#define TERN_STATS_FOREACH(X) \
	X(polls,                "worker loop iterations") \
	X(polls_busy,           "worker loop iterations that received frames") \
	X(polls_busy_us,        "microseconds from the start of each such iteration to the next: the load") \
	X(rx_frames,            "frames received from the NIC") \
	X(rx_bytes,             "bytes received from the NIC") \
	X(tx_frames,            "frames accepted by the NIC") \
	X(tx_bytes,             "bytes accepted by the NIC") \
	X(tx_retried,           "frames the NIC refused and that waited for a later burst (each once)") \
	X(tx_drop_full,         "frames freed because the NIC refused them and the batch was full") \
	X(tx_drop_nombuf,       "frames not built because the mbuf pool was empty") \
	X(tx_drop_oversize,     "frames longer than the MTU, dropped before the driver (a bug)") \
	X(rx_gro_merged,        "received TCP segments coalesced into the one before them (GRO)") \
	X(eth_drop_short,       "frames shorter than an Ethernet header") \
	X(eth_drop_not_ours,    "frames for another unicast MAC") \
	X(eth_drop_ethertype,   "frames of an unknown ethertype (IPv6 too without [ipv6])") \
	X(arp_rx,               "ARP packets received") \
	X(arp_drop_malformed,   "ARP packets with bad lengths, types or opcodes") \
	X(arp_drop_not_ours,    "ARP requests for another address") \
	X(arp_tx_request,       "ARP requests sent (resolution, refresh, gratuitous)") \
	X(arp_tx_reply,         "ARP replies sent") \
	X(arp_learned,          "ARP cache entries created or updated from replies") \
	X(arp_drop_pending,     "packets dropped waiting on ARP (queue full or no reply)") \
	X(arp_drop_table_full,  "next hops not resolved because the ARP table was full") \
	X(arp_expired,          "ARP cache entries expired") \
	X(ip_rx,                "IPv4 packets received") \
	X(ip_drop_short,        "IPv4 packets shorter than their header") \
	X(ip_drop_version,      "IPv4 packets whose version is not 4") \
	X(ip_drop_hdrlen,       "IPv4 packets with IHL < 5 or past the frame") \
	X(ip_drop_totlen,       "IPv4 packets whose total length is past the frame or below IHL") \
	X(ip_drop_cksum,        "IPv4 packets with a bad header checksum") \
	X(ip_drop_not_ours,     "IPv4 packets for another address") \
	X(ip_drop_bad_src,      "IPv4 packets from a broadcast or multicast source") \
	X(ip_drop_fragment,     "IPv4 fragments (not reassembled)") \
	X(ip_drop_proto,        "IPv4 packets of an unhandled protocol") \
	X(ip_drop_no_route,     "IPv4 packets with no route to send them") \
	X(ip_tx,                "IPv4 packets sent") \
	X(icmp_rx,              "ICMP messages received") \
	X(icmp_drop_short,      "ICMP messages shorter than their header") \
	X(icmp_drop_cksum,      "ICMP messages with a bad checksum") \
	X(icmp_drop_type,       "ICMP messages of a type not answered") \
	X(icmp_echo_reply,      "ICMP echo replies sent") \
	X(icmp_rx_error,        "ICMP errors (unreachable, time exceeded, parameter problem) received") \
	X(icmp_drop_quote,      "ICMP errors whose quote is not a TCP segment we sent") \
	X(icmp_drop_steer, \
		"ICMP errors for another worker's connection freed, its steering ring full") \
	X(ip6_rx,               "IPv6 packets received (with [ipv6] configured)") \
	X(ip6_drop_short,       "IPv6 packets shorter than their headers") \
	X(ip6_drop_version,     "IPv6 packets whose version is not 6") \
	X(ip6_drop_len,         "IPv6 packets whose payload length is past the frame (or 0: jumbograms)") \
	X(ip6_drop_not_ours,    "IPv6 packets for an address or multicast group not ours") \
	X(ip6_drop_bad_src,     "IPv6 packets from a multicast, IPv4-mapped or our own source") \
	X(ip6_drop_ext,         "IPv6 packets with malformed, misplaced or unknown extension headers") \
	X(ip6_drop_fragment,    "IPv6 fragments (not reassembled)") \
	X(ip6_drop_proto,       "IPv6 packets of an unhandled upper layer") \
	X(tcp6_rx,              "TCP segments received over IPv6 (tcp_rx counts IPv4's)") \
	X(ip6_tx,               "IPv6 packets sent") \
	X(ip6_drop_no_route,    "IPv6 packets not sent: off-link destination and no gateway") \
	X(icmp6_rx,             "ICMPv6 messages received") \
	X(icmp6_drop_short,     "ICMPv6 messages shorter than their type's fixed part") \
	X(icmp6_drop_cksum,     "ICMPv6 messages with a bad checksum") \
	X(icmp6_drop_type,      "ICMPv6 messages of a type not answered (MLD reports, echo replies)") \
	X(icmp6_echo_reply,     "ICMPv6 echo replies sent") \
	X(icmp6_rx_error,       "ICMPv6 errors received (to TCP, or icmp6_drop_quote)") \
	X(icmp6_drop_quote,     "ICMPv6 errors whose quote is no TCP segment of ours (RFC 4443 2.4)") \
	X(icmp6_tx_error,       "ICMPv6 errors sent (Parameter Problem: RFC 8200 4, 4.2)") \
	X(icmp6_error_limited,  "ICMPv6 errors not sent: over the rate limit (RFC 4443 2.4 f)") \
	X(nd_drop_invalid,      "Neighbor Discovery messages failing RFC 4861 validation") \
	X(nd_rx_ns,             "Neighbor Solicitations received") \
	X(nd_drop_not_ours,     "Neighbor Solicitations for a target not ours") \
	X(nd_tx_na,             "Neighbor Advertisements built in answer (no mbuf: tx_drop_nombuf)") \
	X(nd_rx_na,             "Neighbor Advertisements received") \
	X(nd_rx_router,         "Router Solicitations and Advertisements (ignored: config sets the router)") \
	X(nd_tx_dad,            "Duplicate Address Detection probes sent (RFC 4862 5.4.2)") \
	X(nd_dad_conflict,      "our addresses another node has (a duplicate, or a claim on one in use)") \
	X(nd_learned,           "neighbor cache entries created or updated") \
	X(nd_drop_table_full,   "neighbors not learned because the neighbor cache was full") \
	X(nd_tx_ns,             "Neighbor Solicitations sent to resolve a next hop (RFC 4861 7.2.2)") \
	X(nd_tx_refresh,        "unicast Neighbor Solicitations renewing an entry in use (7.3.3)") \
	X(nd_drop_pending,      "packets that waited for a neighbor never resolved, or for a newer one") \
	X(mld_tx_report,        "MLDv2 reports sent (RFC 3810: joins at start, answers to queries)") \
	X(mld_rx_query,         "MLD queries answered (general, or for a group of ours)") \
	X(mld_drop_query,       "MLD queries not answered: MLDv1, invalid, or another group's") \
	X(tcp_rx,               "TCP segments received") \
	X(tcp_drop_short,       "TCP segments shorter than their header or data offset") \
	X(tcp_drop_cksum,       "TCP segments with a bad checksum") \
	X(tcp_drop_options,     "TCP segments with malformed options") \
	X(tcp_drop_flags,       "TCP segments with impossible flags (SYN+RST, SYN+FIN)") \
	X(tcp_drop_bcast,       "TCP segments to a broadcast address (RFC 1122 4.2.3.10)") \
	X(tcp_drop_no_conn,     "TCP segments for no connection or listener (answered by RST)") \
	X(tcp_drop_stale_steered, \
		"ACKs alone for no connection that came from another worker's queue (old duplicates, no RST)") \
	X(tcp_drop_unacceptable, \
		"TCP segments outside the receive window (RFC 9293 3.10.7.4): dropped, or only their ACK read") \
	X(tcp_drop_paws,        "TCP segments with an old timestamp (PAWS, RFC 7323 5)") \
	X(tcp_drop_bad_ack,     "TCP segments acknowledging data never sent") \
	X(tcp_drop_state,       "TCP segments not valid in the connection's state") \
	X(tcp_drop_after_close, "TCP payload bytes dropped after the application closed") \
	X(tcp_drop_ooo_full,    "out-of-order TCP segments dropped: reassembly queue full") \
	X(tcp_rx_data_segs,     "TCP segments received with payload") \
	X(tcp_rx_bytes,         "TCP payload bytes delivered in order") \
	X(tcp_rx_ooo_segs,      "TCP segments received out of order and queued") \
	X(tcp_rx_dup_segs,      "TCP segments received entirely duplicate") \
	X(tcp_rst_rcvd,         "RST segments that ended a connection") \
	X(tcp_rst_sent,         "RST segments sent") \
	X(tcp_challenge_ack,    "challenge ACKs sent (RFC 5961)") \
	X(tcp_challenge_ack_limited, "challenge ACKs suppressed by the rate limit") \
	X(tcp_tx_segs,          "TCP segments sent") \
	X(tcp_tx_data_segs,     "TCP segments sent with payload") \
	X(tcp_tx_ack_only,      "TCP pure ACKs sent (no payload, SYN, FIN or RST)") \
	X(tcp_tx_bytes,         "TCP payload bytes sent (retransmissions included)") \
	X(tcp_tx_tso_frames,    "TCP frames the NIC cut into segments (TSO); their segments count as sent") \
	X(tcp_tx_by_ref,        "TCP data segments sent by reference to the send queue (no copy)") \
	X(tcp_delack_timeout,   "delayed-ACK timer expiries") \
	X(tcp_rexmt_timeout,    "retransmission timer expiries") \
	X(tcp_rexmt_segs,       "TCP segments retransmitted") \
	X(tcp_fast_rexmt,       "fast retransmits (three duplicate ACKs)") \
	X(tcp_sack_ignored,     "SACK blocks ignored: not above SND.UNA and within SND.MAX (D-SACKs included)") \
	X(tcp_tlp_probes,       "tail loss probes sent (RFC 8985 7)") \
	X(tcp_tlp_recoveries,   "losses repaired by a tail loss probe's resend") \
	X(tcp_persist_probes,   "zero-window probes sent") \
	X(tcp_keepalive_probes, "keepalive probes sent") \
	X(tcp_passive_opens,    "connections accepted (passive open)") \
	X(tcp_active_opens,     "connections established by tern_connect") \
	X(tcp_conn_refused,     "connections refused by RST (active open) or by the app") \
	X(tcp_conn_timeout,     "connections ended by a timeout") \
	X(tcp_user_timeout,     "of those, by their user timeout (RFC 5482): no progress for that long") \
	X(tcp_conn_unreachable, \
		"connections ended after an ICMP error: unreachable in SYN-SENT, or a timeout after one") \
	X(tcp_conn_reset,       "established connections reset by the peer") \
	X(tcp_conn_aborted,     "connections aborted by the app or at shutdown") \
	X(tcp_conn_closed,      "connections closed normally") \
	X(tcp_icmp_no_conn,     "ICMP errors about a TCP segment of no connection (or TIME_WAIT)") \
	X(tcp_icmp_out_of_window,"ICMP errors quoting a sequence number not in flight (RFC 5927 4.1)") \
	X(tcp_icmp_bad_mtu,     "fragmentation-needed errors with an absurd MTU or no decrease") \
	X(tcp_icmp_soft_error,  "ICMP errors kept as a connection's soft error (RFC 1122 4.2.3.9)") \
	X(tcp_pmtu_lowered,     "connections whose MSS a fragmentation-needed error lowered (RFC 1191)") \
	X(tcp_syn_rcvd,         "SYNs received by listeners") \
	X(tcp_syn_recv_dropped, "half-open passive connections ended in SYN-RECEIVED (RST, timeout, shutdown)") \
	X(tcp_syn_queue_full,   "SYNs dropped: listener's SYN queue full (cookies off)") \
	X(tcp_syncookies_sent,  "SYN-ACKs sent with a SYN cookie") \
	X(tcp_syncookies_ok,    "connections completed from a valid SYN cookie") \
	X(tcp_syncookies_bad,   "ACKs to a listener with an invalid or stale cookie") \
	X(tcp_syn_overload_drop,"SYNs dropped: memory nearly exhausted (cookies off)") \
	X(tcp_conn_table_full,  "SYNs refused (RST): connection limit reached") \
	X(tcp_nombuf,           "TCP segments not sent or data not queued: mbuf pool empty") \
	X(tcp_nombuf_retry,     "output retries of connections whose segment found the mbuf pool empty") \
	X(tcp_tx_deferred,      "connection output put off an iteration: transmit batch full") \
	X(tcp_snd_reserve_hit,  "writes cut short: send queues at their share of the pool (receive reserve)") \
	X(tcp_time_wait_entered,"connections that entered TIME_WAIT") \
	X(tcp_time_wait_reused, "TIME_WAIT pairs reused by a newer SYN (RFC 6191)") \
	X(tcp_time_wait_reconnected, "TIME_WAIT pairs a connect of ours took over (timestamps, a quiet second)") \
	X(tcp_time_wait_overflow,"TIME_WAIT records dropped early: table at max_time_wait") \
	X(inbox_drop,           "cross-worker messages lost because an inbox was full") \
	X(steer_tx,             "TCP frames received on this worker's queue and passed to their owner") \
	X(steer_rx,             "TCP frames this worker owns taken from other workers' queues") \
	X(steer_drop_full,      "TCP frames freed because their owner's steering ring was full") \
	X(steer_drop_stopped,   "TCP frames passed to a worker after it stopped (freed as the stack stops)")

/** Per-worker counters; all fields count events since the stack started. */
struct tern_stats {
#define TERN_STATS_FIELD(name, desc) uint64_t name;
	TERN_STATS_FOREACH(TERN_STATS_FIELD)
#undef TERN_STATS_FIELD
};

/** Number of counters in struct tern_stats. */
#define TERN_STATS_COUNT (sizeof(struct tern_stats) / sizeof(uint64_t))

/**
 * Name of counter @p idx (0 .. TERN_STATS_COUNT-1), in field order.
 * @return a static string, or NULL if @p idx is out of range.
 */
const char *tern_stats_name(size_t idx);

/** Description of counter @p idx; a static string, or NULL out of range. */
const char *tern_stats_desc(size_t idx);

/** Value of counter @p idx in @p st; 0 out of range. */
uint64_t tern_stats_value(const struct tern_stats *st, size_t idx);

#ifdef __cplusplus
}
#endif

#endif /* TERN_STATS_H */
