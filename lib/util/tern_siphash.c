/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4, written from the description in Aumasson & Bernstein,
 * "SipHash: a fast short-input PRF" (2012), §2:
 *
 *   initialisation  v0 = k0 ^ "somepseu", v1 = k1 ^ "dorandom",
 *                   v2 = k0 ^ "lygenera", v3 = k1 ^ "tedbytes";
 *   compression     each 8-byte little-endian word m: v3 ^= m, c = 2
 *                   SipRounds, v0 ^= m; the last word carries the final
 *                   0..7 message bytes and (len mod 256) in its top byte;
 *   finalisation    v2 ^= 0xff, d = 4 SipRounds, return v0^v1^v2^v3.
 */
#include <string.h>

#include "tern_siphash.h"

#define SIP_C0 UINT64_C(0x736f6d6570736575) /* "somepseu" */
#define SIP_C1 UINT64_C(0x646f72616e646f6d) /* "dorandom" */
#define SIP_C2 UINT64_C(0x6c7967656e657261) /* "lygenera" */
#define SIP_C3 UINT64_C(0x7465646279746573) /* "tedbytes" */

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian load of 8 bytes at any alignment, on any host. */
static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* One SipRound: the ARX network of the paper's figure 2.1. */
static inline void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v2 += s->v3;
	s->v1 = rotl64(s->v1, 13);
	s->v3 = rotl64(s->v3, 16);
	s->v1 ^= s->v0;
	s->v3 ^= s->v2;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v1;
	s->v0 += s->v3;
	s->v1 = rotl64(s->v1, 17);
	s->v3 = rotl64(s->v3, 21);
	s->v1 ^= s->v2;
	s->v3 ^= s->v0;
	s->v2 = rotl64(s->v2, 32);
}

static inline void
sip_init(struct sip_state *s, const uint8_t key[TERN_SIPHASH_KEY_LEN])
{
	uint64_t k0 = load_le64(key);
	uint64_t k1 = load_le64(key + 8);

	s->v0 = k0 ^ SIP_C0;
	s->v1 = k1 ^ SIP_C1;
	s->v2 = k0 ^ SIP_C2;
	s->v3 = k1 ^ SIP_C3;
}

/* Compression of one message word: c = 2 rounds. */
static inline void
sip_word(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* Finalisation: d = 4 rounds. */
static inline uint64_t
sip_final(struct sip_state *s)
{
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t
tern_siphash24(const uint8_t key[TERN_SIPHASH_KEY_LEN], const void *data,
		size_t len)
{
	const uint8_t *p = data;
	size_t left = len;
	struct sip_state s;
	uint64_t last;

	sip_init(&s, key);
	for (; left >= 8; left -= 8, p += 8)
		sip_word(&s, load_le64(p));

	/* the 0..7 trailing bytes, little-endian, and len mod 256 on top */
	last = (uint64_t)(len & 0xff) << 56;
	while (left > 0) {
		left--;
		last |= (uint64_t)p[left] << (8 * left);
	}
	sip_word(&s, last);
	return sip_final(&s);
}

uint64_t
tern_siphash24_4w(const uint8_t key[TERN_SIPHASH_KEY_LEN], uint32_t a,
		uint32_t b, uint32_t c, uint32_t d)
{
	struct sip_state s;

	sip_init(&s, key);
	sip_word(&s, (uint64_t)a | (uint64_t)b << 32);
	sip_word(&s, (uint64_t)c | (uint64_t)d << 32);
	sip_word(&s, (uint64_t)16 << 56);   /* no trailing bytes; len = 16 */
	return sip_final(&s);
}
