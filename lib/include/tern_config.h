/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

/**
 * @file
 * Stack configuration. A config file is INI, read with rte_cfgfile; every key
 * has a default (tern_config_defaults()) so a file names only what differs.
 * docs/config.md lists every section and key.
 */

#include <stddef.h>
#include <stdint.h>
#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_CONFIG_DEVICE_MAX 256

/** [tcp] cc values. */
#define TERN_TCP_CC_NEWRENO 0
#define TERN_TCP_CC_CUBIC   1

/** [port] tso values. */
#define TERN_TSO_AUTO 0   /**< where the device segments in hardware */
#define TERN_TSO_ON   1   /**< wherever the device offers it (net_tap too) */
#define TERN_TSO_OFF  2

/** [tcp] syncookies values. */
#define TERN_SYNCOOKIES_AUTO   0   /**< when a SYN queue is full or memory runs low */
#define TERN_SYNCOOKIES_ALWAYS 1   /**< every SYN to a listener */
#define TERN_SYNCOOKIES_NEVER  2

/** Largest user timeout ([tcp] user_timeout_ms, tern_conn_set_user_timeout): 24 days. */
#define TERN_USER_TIMEOUT_MS_MAX (24u * 86400 * 1000)

/** Everything a stack is built from. Addresses are in network byte order. */
struct tern_config {
	/* [port] */
	char port_device[TERN_CONFIG_DEVICE_MAX]; /**< ethdev name, or a vdev spec probed at start */
	uint32_t port_mtu;           /**< IP MTU; 0 = the device's own */
	uint32_t port_rx_desc;       /**< RX descriptors per queue */
	uint32_t port_tx_desc;       /**< TX descriptors per queue */
	uint32_t port_trust_checksums; /**< 1: no TCP checksums either way (shared memory) */
	uint32_t port_tso;           /**< TERN_TSO_*: TCP segmentation offload */
	uint32_t port_gro;           /**< 1: coalesce received TCP/IPv4 segments (rte_gro) */
	uint32_t port_queues;        /**< queue pairs; 0 = one per worker. More: worker i
	                                  also polls queues i + workers, i + 2 workers ... */
	/* [ipv4] */
	rte_be32_t ip_addr;          /**< our (first) address */
	uint32_t ip_addr_count;      /**< we own ip_addr .. ip_addr + count - 1 (load generators) */
	rte_be32_t ip_netmask;       /**< the one directly attached subnet */
	rte_be32_t ip_gateway;       /**< default gateway; 0 = none */
	uint32_t ip_ttl;             /**< TTL on packets we originate */
	/* [ipv6]: the section present turns IPv6 on (else its frames are
	 * counted in eth_drop_ethertype, as before) */
	uint32_t ip6_enabled;        /**< 1: the config has an [ipv6] section */
	uint8_t ip6_addr[16];        /**< global or unique-local address; all zero = none */
	uint32_t ip6_prefix_len;     /**< its on-link prefix (1..128) */
	uint8_t ip6_gateway[16];     /**< default router (link-local or on-link); zero = none */
	uint32_t ip6_link_local;     /**< 1: fe80:: address from the MAC (RFC 4291 App. A) */
	uint32_t ip6_hop_limit;      /**< hop limit of packets we originate */
	/* [arp] */
	uint32_t arp_entries;        /**< ARP cache size per worker (power of two not needed) */
	uint32_t arp_timeout_s;      /**< seconds a resolved entry stays usable */
	uint32_t arp_pending;        /**< packets held per unresolved next hop */
	uint32_t arp_retries;        /**< requests sent before giving up on a next hop */
	/* [stack] */
	uint32_t mbufs;              /**< mbufs per worker pool */
	uint32_t mbuf_cache;         /**< per-lcore mempool cache size */
	uint32_t burst;              /**< frames per rx/tx burst (<= 64) */
	/* [tcp] */
	uint32_t tcp_max_conns;      /**< control blocks per worker */
	uint32_t tcp_max_time_wait;  /**< TIME_WAIT records per worker; past it pairs leave early */
	uint32_t tcp_syn_backlog;    /**< half-open connections per listener */
	uint32_t tcp_sndbuf;         /**< send buffer bytes per connection */
	uint32_t tcp_rcvbuf;         /**< receive window bytes per connection */
	uint32_t tcp_mss;            /**< our MSS; 0 = from the MTU */
	uint32_t tcp_time_wait_ms;   /**< 2MSL */
	uint32_t tcp_fin_wait_2_s;   /**< FIN_WAIT_2 limit once the app has closed */
	uint32_t tcp_delack_ms;      /**< delayed-ACK limit (< 500, RFC 9293 MUST-40) */
	uint32_t tcp_rto_min_ms;     /**< lower bound of the RTO */
	uint32_t tcp_rto_max_ms;     /**< upper bound of the RTO (>= 60 s) */
	uint32_t tcp_retries;        /**< data retransmissions before ETIMEDOUT */
	uint32_t tcp_syn_retries;    /**< SYN / SYN-ACK retransmissions before giving up */
	uint32_t tcp_keepalive;      /**< 1 = keepalive on for every connection */
	uint32_t tcp_keepidle_s;     /**< idle time before the first probe */
	uint32_t tcp_keepintvl_s;    /**< time between probes */
	uint32_t tcp_keepcnt;        /**< unanswered probes before ETIMEDOUT */
	uint32_t tcp_user_timeout_ms; /**< RFC 5482 user timeout for every connection; 0 = none */
	uint32_t tcp_timestamps;     /**< 1 = offer RFC 7323 timestamps */
	uint32_t tcp_window_scaling; /**< 1 = offer RFC 7323 window scale */
	uint32_t tcp_sack;           /**< 1 = offer RFC 2018 SACK */
	uint32_t tcp_challenge_ack_limit; /**< RFC 5961 §7 challenge ACKs per second per worker */
	uint32_t tcp_cc;             /**< TERN_TCP_CC_NEWRENO or TERN_TCP_CC_CUBIC */
	uint32_t tcp_syncookies;     /**< TERN_SYNCOOKIES_* */
	uint32_t tcp_port_min;       /**< ephemeral ports for tern_connect */
	uint32_t tcp_port_max;
};

/** Fill @p cfg with the defaults of every key. */
void tern_config_defaults(struct tern_config *cfg);

/**
 * Read the INI file @p path into @p cfg, over whatever it already holds
 * (normally the defaults). Unknown sections or keys, missing required keys
 * ([port] device, [ipv4] address and netmask) and bad values are errors.
 * Needs no EAL: an app can check its config before starting anything.
 *
 * @param err  receives a one-line message "FILE: [section] key: problem".
 * @return 0, or -EINVAL (bad content) / -ENOENT (file unreadable).
 */
int tern_config_load(struct tern_config *cfg, const char *path,
		char *err, size_t errlen);

/**
 * Check that the values in @p cfg fit together (the gateway inside the subnet,
 * the address not the network or broadcast address...).
 * @return 0, or -EINVAL with a one-line message in @p err.
 */
int tern_config_validate(const struct tern_config *cfg, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* TERN_CONFIG_H */
