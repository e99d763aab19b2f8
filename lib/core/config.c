/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config files: INI read with rte_cfgfile, checked against one table of every
 * known key. Errors name the file, section and key in one line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "net_ip6.h"
#include "tern_config.h"

enum key_type { KEY_U32, KEY_IPV4, KEY_IPV6, KEY_IPV6_PREFIX, KEY_STRING, KEY_WORD };

struct config_key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;          /**< field in struct tern_config */
	uint32_t min, max;      /**< KEY_U32 bounds; KEY_STRING max length */
	bool required;
	/** KEY_WORD: the words it takes, word i setting the field to i; what to
	 * say of any other */
	const char *const *words;
	unsigned int n_words;
	const char *not_a_word;
};

#define KEY(sec, key, t, field) \
	.section = sec, .name = key, .type = t, .offset = offsetof(struct tern_config, field)
#define U32(sec, key, field, lo, hi) { KEY(sec, key, KEY_U32, field), .min = lo, .max = hi }
#define IPV4(sec, key, field, req) { KEY(sec, key, KEY_IPV4, field), .required = req }

/* the words of each KEY_WORD key, at the index of the value each sets */
static const char *const tso_words[] = {
	[TERN_TSO_AUTO] = "auto", [TERN_TSO_ON] = "on", [TERN_TSO_OFF] = "off",
};
static const char *const cc_words[] = {
	[TERN_TCP_CC_NEWRENO] = "newreno", [TERN_TCP_CC_CUBIC] = "cubic",
};
static const char *const cookies_words[] = {
	[TERN_SYNCOOKIES_AUTO] = "auto", [TERN_SYNCOOKIES_ALWAYS] = "always",
	[TERN_SYNCOOKIES_NEVER] = "never",
};
#define WORD(sec, key, field, w, why) \
	{ KEY(sec, key, KEY_WORD, field), .words = w, .n_words = RTE_DIM(w), .not_a_word = why }

static const struct config_key config_keys[] = {
	{ KEY("port", "device", KEY_STRING, port_device), .min = 1,
		.max = TERN_CONFIG_DEVICE_MAX - 1, .required = true },
	U32("port", "mtu", port_mtu, 0, 9000),
	U32("port", "rx_desc", port_rx_desc, 64, 16384),
	U32("port", "tx_desc", port_tx_desc, 64, 16384),
	U32("port", "trust_checksums", port_trust_checksums, 0, 1),
	U32("port", "queues", port_queues, 0, 1024),
	WORD("port", "tso", port_tso, tso_words, "not auto, on or off"),
	U32("port", "gro", port_gro, 0, 1),
	IPV4("ipv4", "address", ip_addr, true),
	U32("ipv4", "address_count", ip_addr_count, 1, 4096),
	IPV4("ipv4", "netmask", ip_netmask, true),
	IPV4("ipv4", "gateway", ip_gateway, false),
	U32("ipv4", "ttl", ip_ttl, 1, 255),
	{ KEY("ipv6", "address", KEY_IPV6_PREFIX, ip6_addr) },
	{ KEY("ipv6", "gateway", KEY_IPV6, ip6_gateway) },
	U32("ipv6", "link_local", ip6_link_local, 0, 1),
	U32("ipv6", "hop_limit", ip6_hop_limit, 1, 255),
	U32("arp", "entries", arp_entries, 1, 1u << 20),
	U32("arp", "timeout", arp_timeout_s, 1, 86400),
	U32("arp", "pending", arp_pending, 1, 1024),
	U32("arp", "retries", arp_retries, 1, 100),
	U32("stack", "mbufs", mbufs, 1024, 1u << 24),
	U32("stack", "mbuf_cache", mbuf_cache, 0, 512),
	U32("stack", "burst", burst, 1, 64),
	U32("tcp", "max_conns", tcp_max_conns, 16, 1u << 24),
	U32("tcp", "max_time_wait", tcp_max_time_wait, 16, 1u << 24),
	U32("tcp", "syn_backlog", tcp_syn_backlog, 1, 1u << 20),
	U32("tcp", "sndbuf", tcp_sndbuf, 4096, 1u << 30),
	U32("tcp", "rcvbuf", tcp_rcvbuf, 4096, 1u << 30),
	U32("tcp", "mss", tcp_mss, 0, 9000),
	U32("tcp", "time_wait_ms", tcp_time_wait_ms, 1, 600000),
	U32("tcp", "fin_wait_2_s", tcp_fin_wait_2_s, 1, 3600),
	U32("tcp", "delack_ms", tcp_delack_ms, 1, 499),
	U32("tcp", "rto_min_ms", tcp_rto_min_ms, 1, 60000),
	U32("tcp", "rto_max_ms", tcp_rto_max_ms, 60000, 3600000),
	U32("tcp", "retries", tcp_retries, 1, 100),
	U32("tcp", "syn_retries", tcp_syn_retries, 1, 100),
	U32("tcp", "keepalive", tcp_keepalive, 0, 1),
	U32("tcp", "keepidle_s", tcp_keepidle_s, 1, 32767),
	U32("tcp", "keepintvl_s", tcp_keepintvl_s, 1, 32767),
	U32("tcp", "keepcnt", tcp_keepcnt, 1, 255),
	U32("tcp", "user_timeout_ms", tcp_user_timeout_ms, 0, TERN_USER_TIMEOUT_MS_MAX),
	U32("tcp", "timestamps", tcp_timestamps, 0, 1),
	U32("tcp", "window_scaling", tcp_window_scaling, 0, 1),
	U32("tcp", "sack", tcp_sack, 0, 1),
	U32("tcp", "challenge_ack_limit", tcp_challenge_ack_limit, 1, 1000000),
	WORD("tcp", "cc", tcp_cc, cc_words, "not newreno or cubic"),
	WORD("tcp", "syncookies", tcp_syncookies, cookies_words, "not auto, always or never"),
	U32("tcp", "port_min", tcp_port_min, 1024, 65535),
	U32("tcp", "port_max", tcp_port_max, 1024, 65535),
};

void
tern_config_defaults(struct tern_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port_rx_desc = 1024;
	cfg->port_tx_desc = 1024;
	cfg->ip_ttl = 64;
	cfg->ip6_link_local = 1;
	cfg->ip6_hop_limit = 64;
	cfg->ip_addr_count = 1;
	cfg->arp_entries = 1024;
	cfg->arp_timeout_s = 300;
	cfg->arp_pending = 16;
	cfg->arp_retries = 3;
	cfg->mbufs = 16383;
	cfg->mbuf_cache = 256;
	cfg->burst = 32;
	cfg->tcp_max_conns = 65536;
	cfg->tcp_max_time_wait = 65536;
	cfg->tcp_syn_backlog = 1024;
	cfg->tcp_sndbuf = 262144;
	cfg->tcp_rcvbuf = 262144;
	cfg->tcp_mss = 0;
	cfg->tcp_time_wait_ms = 60000;
	cfg->tcp_fin_wait_2_s = 60;
	cfg->tcp_delack_ms = 40;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 60000;
	cfg->tcp_retries = 15;
	cfg->tcp_syn_retries = 6;
	cfg->tcp_keepalive = 0;
	cfg->tcp_keepidle_s = 7200;
	cfg->tcp_keepintvl_s = 75;
	cfg->tcp_keepcnt = 9;
	cfg->tcp_timestamps = 1;
	cfg->tcp_window_scaling = 1;
	cfg->tcp_sack = 1;
	cfg->tcp_challenge_ack_limit = 1000;
	cfg->tcp_cc = TERN_TCP_CC_NEWRENO;
	cfg->tcp_port_min = 32768;
	cfg->tcp_port_max = 60999;
}

static int
config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen != 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const struct config_key *
config_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < RTE_DIM(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
				strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static bool
config_section_known(const char *section)
{
	for (size_t i = 0; i < RTE_DIM(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0)
			return true;
	return false;
}

/* Parse @value for @k into @cfg. @return NULL or what is wrong with it. */
static const char *
config_set(struct tern_config *cfg, const struct config_key *k, const char *value)
{
	char *field = (char *)cfg + k->offset;
	struct in_addr a;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long long v;
	char *end, *slash;

	switch (k->type) {
	case KEY_U32:
		if (value[0] == '\0' || value[0] == '-')
			return "not a number";
		errno = 0;
		v = strtoull(value, &end, 10);
		if (errno != 0 || *end != '\0')
			return "not a number";
		if (v < k->min || v > k->max)
			return "out of range";
		*(uint32_t *)field = (uint32_t)v;
		return NULL;
	case KEY_IPV4:
		if (inet_pton(AF_INET, value, &a) != 1)
			return "not an IPv4 address";
		*(rte_be32_t *)field = a.s_addr;
		return NULL;
	case KEY_IPV6:
		if (inet_pton(AF_INET6, value, &a6) != 1)
			return "not an IPv6 address";
		memcpy(field, &a6, sizeof(a6));
		return NULL;
	case KEY_IPV6_PREFIX:
		/* ADDRESS/PREFIXLEN, the prefix length going to ip6_prefix_len */
		if (strlen(value) >= sizeof(buf))
			return "not an IPv6 address/prefix";
		strcpy(buf, value);
		slash = strchr(buf, '/');
		if (slash == NULL)
			return "no /prefix length";
		*slash++ = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return "not an IPv6 address";
		errno = 0;
		v = strtoull(slash, &end, 10);
		if (*slash == '\0' || *slash == '-' || errno != 0 || *end != '\0' || v < 1 || v > 128)
			return "prefix length not 1..128";
		memcpy(field, &a6, sizeof(a6));
		cfg->ip6_prefix_len = (uint32_t)v;
		return NULL;
	case KEY_WORD:
		for (unsigned int i = 0; i < k->n_words; i++) {
			if (strcmp(value, k->words[i]) == 0) {
				*(uint32_t *)field = i;
				return NULL;
			}
		}
		return k->not_a_word;
	case KEY_STRING:
		if (strlen(value) < k->min)
			return "empty";
		if (strlen(value) > k->max)
			return "too long";
		strcpy(field, value);
		return NULL;
	}
	return "unknown key type";
}

/*
 * The keys of the file's @index-th section, named @section. By index, not
 * by name: a section that appears twice is read both times (later keys
 * win), where reading by name would silently read its first one twice.
 */
static int
config_read_section(struct tern_config *cfg, struct rte_cfgfile *f, const char *path,
		int index, char *section, bool *seen, char *err, size_t errlen)
{
	int n = rte_cfgfile_section_num_entries_by_index(f, section, index);
	struct rte_cfgfile_entry *entries;
	int rc = 0;

	if (n <= 0)
		return 0;
	entries = calloc((size_t)n, sizeof(*entries));
	if (entries == NULL)
		return config_error(err, errlen, "%s: out of memory", path);
	n = rte_cfgfile_section_entries_by_index(f, index, section, entries, n);
	for (int i = 0; i < n && rc == 0; i++) {
		const struct config_key *k = config_key_find(section, entries[i].name);
		const char *why;

		if (k == NULL) {
			rc = config_error(err, errlen, "%s: [%s] %s: unknown key",
					path, section, entries[i].name);
			break;
		}
		why = config_set(cfg, k, entries[i].value);
		if (why != NULL)
			rc = config_error(err, errlen, "%s: [%s] %s: %s '%s'",
					path, section, k->name, why, entries[i].value);
		seen[k - config_keys] = true;
	}
	free(entries);
	return rc;
}

int
tern_config_load(struct tern_config *cfg, const char *path, char *err, size_t errlen)
{
	bool seen[RTE_DIM(config_keys)] = { false };
	char (*sections)[CFG_NAME_LEN] = NULL;
	struct rte_cfgfile *f;
	int nsec, rc = 0;
	FILE *probe;

	/* rte_cfgfile says nothing of why it failed: tell missing from malformed */
	probe = fopen(path, "r");
	if (probe == NULL) {
		config_error(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -ENOENT;
	}
	fclose(probe);
	f = rte_cfgfile_load(path, 0);
	if (f == NULL)
		return config_error(err, errlen, "%s: not a valid INI file", path);
	nsec = rte_cfgfile_num_sections(f, NULL, 0);
	sections = calloc(nsec > 0 ? (size_t)nsec : 1, sizeof(*sections));
	if (sections == NULL) {
		rc = config_error(err, errlen, "%s: out of memory", path);
		goto out;
	}
	{
		char *names[nsec > 0 ? nsec : 1];

		for (int i = 0; i < nsec; i++)
			names[i] = sections[i];
		rte_cfgfile_sections(f, names, nsec);
		for (int i = 0; i < nsec && rc == 0; i++) {
			if (!config_section_known(names[i]))
				rc = config_error(err, errlen, "%s: [%s]: unknown section",
						path, names[i]);
			else
				rc = config_read_section(cfg, f, path, i, names[i], seen,
						err, errlen);
			if (strcmp(names[i], "ipv6") == 0)
				cfg->ip6_enabled = 1;
		}
	}
	for (size_t i = 0; i < RTE_DIM(config_keys) && rc == 0; i++)
		if (config_keys[i].required && !seen[i])
			rc = config_error(err, errlen, "%s: [%s] %s: missing (required)",
					path, config_keys[i].section, config_keys[i].name);
	if (rc == 0) {
		char why[200];

		if (tern_config_validate(cfg, why, sizeof(why)) != 0)
			rc = config_error(err, errlen, "%s: %s", path, why);
	}
out:
	free(sections);
	rte_cfgfile_close(f);
	return rc;
}

static bool
netmask_contiguous(uint32_t mask_host)
{
	/* ones then zeros: the complement plus one is a power of two */
	uint32_t inv = ~mask_host;

	return (inv & (inv + 1)) == 0;
}

static int
config_validate_ipv6(const struct tern_config *cfg, char *err, size_t errlen)
{
	const uint8_t *a = cfg->ip6_addr, *gw = cfg->ip6_gateway;

	if (net_ip6_is_zero(a) && !cfg->ip6_link_local)
		return config_error(err, errlen,
				"[ipv6] link_local: 0 with no address leaves no address to speak from");
	if (!net_ip6_is_zero(a) && (net_ip6_is_multicast(a) || net_ip6_is_link_local(a) ||
			net_ip6_is_loopback(a)))
		return config_error(err, errlen, "[ipv6] address: not a usable unicast address "
				"(multicast, loopback, or link-local: that one comes from link_local)");
	if (!net_ip6_is_zero(gw) && (net_ip6_is_multicast(gw) || memcmp(gw, a, 16) == 0 ||
			(!net_ip6_is_link_local(gw) && (net_ip6_is_zero(a) ||
			 !net_ip6_same_prefix(gw, a, cfg->ip6_prefix_len)))))
		return config_error(err, errlen, "[ipv6] gateway: neither link-local nor inside "
				"the address's prefix (or our own address)");
	if (net_ip6_is_link_local(gw) && !cfg->ip6_link_local)
		return config_error(err, errlen,
				"[ipv6] gateway: link-local, but link_local = 0 leaves no address to reach it");
	return 0;
}

int
tern_config_validate(const struct tern_config *cfg, char *err, size_t errlen)
{
	uint32_t addr = ntohl(cfg->ip_addr), mask = ntohl(cfg->ip_netmask);
	uint32_t gw = ntohl(cfg->ip_gateway);

	if (cfg->port_device[0] == '\0')
		return config_error(err, errlen, "[port] device: missing (required)");
	if (mask == 0 || !netmask_contiguous(mask) || mask == 0xffffffff)
		return config_error(err, errlen, "[ipv4] netmask: not a usable netmask");
	if (addr == 0 || (addr & 0xf0000000u) >= 0xe0000000u ||
			(addr & ~mask) == 0 || (addr & ~mask) == ~mask)
		return config_error(err, errlen,
				"[ipv4] address: not a usable host address in its subnet");
	if (cfg->ip_addr_count > 1 && (((addr + cfg->ip_addr_count - 1) ^ addr) & mask ||
			((addr + cfg->ip_addr_count - 1) & ~mask) == ~mask))
		return config_error(err, errlen,
				"[ipv4] address_count: the range leaves the subnet's host addresses");
	if (gw != 0 && ((gw ^ addr) & mask) != 0)
		return config_error(err, errlen, "[ipv4] gateway: outside the subnet");
	if (gw != 0 && gw - addr < cfg->ip_addr_count)
		return config_error(err, errlen, "[ipv4] gateway: is our own address");
	if (cfg->ip6_enabled) {
		int rc = config_validate_ipv6(cfg, err, errlen);

		if (rc != 0)
			return rc;
	}
	if (cfg->mbuf_cache > cfg->mbufs / 4)
		return config_error(err, errlen, "[stack] mbuf_cache: more than mbufs / 4");
	if (cfg->tcp_port_min > cfg->tcp_port_max)
		return config_error(err, errlen, "[tcp] port_min: above port_max");
	if (cfg->burst == 0 || cfg->burst > 64)
		return config_error(err, errlen, "[stack] burst: out of range");
	return 0;
}
