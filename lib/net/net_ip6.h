/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_NET_IP6_H
#define TERN_NET_IP6_H

/*
 * IPv6 addresses (RFC 4291) as 16 bytes in network order: the classes Tern
 * tells apart, and the addresses and MACs derived from others. One place for
 * them: the config's checks (lib/core) and the IPv6 input (lib/net).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#define NET_IP6_LEN 16

static inline bool
net_ip6_is_zero(const uint8_t *a)
{
	static const uint8_t zero[NET_IP6_LEN];

	return memcmp(a, zero, NET_IP6_LEN) == 0;
}

/** RFC 4291 2.7: ff00::/8. */
static inline bool
net_ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

/** RFC 4291 2.5.6: fe80::/10. */
static inline bool
net_ip6_is_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/** RFC 4291 2.5.3: ::1. */
static inline bool
net_ip6_is_loopback(const uint8_t *a)
{
	static const uint8_t one[NET_IP6_LEN] = { [15] = 1 };

	return memcmp(a, one, NET_IP6_LEN) == 0;
}

/** RFC 4291 2.5.5.2: ::ffff:0:0/96, an IPv4 address in IPv6 form (never on a wire). */
static inline bool
net_ip6_is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/** The first @p len bits of @p a and @p b are equal. */
static inline bool
net_ip6_same_prefix(const uint8_t *a, const uint8_t *b, uint32_t len)
{
	uint32_t bytes = len / 8, bits = len % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return bits == 0 || ((a[bytes] ^ b[bytes]) >> (8 - bits)) == 0;
}

/** RFC 4291 App. A: fe80::/64 with the modified EUI-64 of @p mac (U/L bit flipped). */
static inline void
net_ip6_link_local_of(const struct rte_ether_addr *mac, uint8_t *a)
{
	const uint8_t *b = mac->addr_bytes;

	memset(a, 0, NET_IP6_LEN);
	a[0] = 0xfe;
	a[1] = 0x80;
	a[8] = (uint8_t)(b[0] ^ 0x02);
	a[9] = b[1];
	a[10] = b[2];
	a[11] = 0xff;
	a[12] = 0xfe;
	a[13] = b[3];
	a[14] = b[4];
	a[15] = b[5];
}

/** RFC 4291 2.7.1: the solicited-node multicast address of @p a, ff02::1:ffXX:XXXX. */
static inline void
net_ip6_solicited_node(const uint8_t *a, uint8_t *sn)
{
	memset(sn, 0, NET_IP6_LEN);
	sn[0] = 0xff;
	sn[1] = 0x02;
	sn[11] = 0x01;
	sn[12] = 0xff;
	sn[13] = a[13];
	sn[14] = a[14];
	sn[15] = a[15];
}

/** RFC 2464 7: the Ethernet address of multicast @p a, 33:33 and its last 4 bytes. */
static inline void
net_ip6_multicast_mac(const uint8_t *a, struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], a + 12, 4);
}

#endif
