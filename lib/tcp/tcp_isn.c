/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 * with M a timer ticking every 4 µs and F SipHash-2-4 under a per-worker
 * random secret. Timestamp offsets (RFC 7323 §7.1) come from a second key,
 * so TSval does not reveal the clock across connections.
 */
#include "tcp_priv.h"
#include "tern_siphash.h"

static uint64_t
tcp_key_hash(const uint8_t secret[16], const struct tcp_key *key)
{
	/* IPv6: the whole key, both 128-bit addresses (RFC 6528 §3's F) */
	if (unlikely(tcp_key_is_ip6(key)))
		return tern_siphash24(secret, tcp_key6_of(key), sizeof(struct tcp_key6));
	return tern_siphash24_4w(secret, key->laddr, key->raddr,
			(uint32_t)key->lport << 16 | key->rport, 0);
}

uint32_t
tcp_isn(struct tcp_worker *tw, const struct tcp_key *key)
{
	uint32_t m = (uint32_t)(tw->nif->now_us >> 2);

	return m + (uint32_t)tcp_key_hash(tw->secret, key);
}

uint32_t
tcp_ts_offset(struct tcp_worker *tw, const struct tcp_key *key)
{
	return (uint32_t)tcp_key_hash(tw->ts_secret, key);
}
