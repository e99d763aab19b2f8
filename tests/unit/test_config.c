/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/core/config.c: tern_config_load() on good and bad INI files from
 * tests/unit/configs/ (directory in $TERN_TEST_CONFIGS, set by meson), on the
 * configs shipped in config/, and tern_config_validate() on structs. Every
 * error must come back as -EINVAL (or -ENOENT) with one line that names the
 * file, the section and the key. No EAL: an app checks its config first.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "tern_config.h"
#include "unit_common.h"

static char path_buf[PATH_MAX];
static char err[512];

/* Path of tests/unit/configs/@name. */
static const char *
conf(const char *name)
{
	const char *dir = getenv("TERN_TEST_CONFIGS");

	ck_assert_msg(dir != NULL && dir[0] != '\0',
			"TERN_TEST_CONFIGS is not set (run through meson test)");
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

static rte_be32_t
ip(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void
setup(void)
{
	memset(err, 0, sizeof(err));
}

/* ---------------------------------------------------------------- good */

START_TEST(test_good_every_key)
{
	struct tern_config c, want;

	tern_config_defaults(&c);
	ck_assert_int_eq(tern_config_load(&c, conf("good_all.conf"), err, sizeof(err)), 0);
	tern_config_defaults(&want);   /* keys not in the file ([tcp]) stay default */
	snprintf(want.port_device, sizeof(want.port_device), "%s",
			"net_memif0,role=server,socket=/tmp/tern-unit.sock");
	want.port_mtu = 9000;
	want.port_rx_desc = 512;
	want.port_tx_desc = 2048;
	want.ip_addr = ip("192.168.7.20");
	want.ip_netmask = ip("255.255.252.0");
	want.ip_gateway = ip("192.168.4.1");
	want.ip_ttl = 32;
	want.arp_entries = 64;
	want.arp_timeout_s = 60;
	want.arp_pending = 8;
	want.arp_retries = 5;
	want.mbufs = 8191;
	want.mbuf_cache = 128;
	want.burst = 16;
	ck_assert_str_eq(c.port_device, want.port_device);
	ck_assert_uint_eq(c.port_mtu, 9000);
	ck_assert_uint_eq(c.port_rx_desc, 512);
	ck_assert_uint_eq(c.port_tx_desc, 2048);
	ck_assert_uint_eq(c.ip_addr, want.ip_addr);
	ck_assert_uint_eq(c.ip_netmask, want.ip_netmask);
	ck_assert_uint_eq(c.ip_gateway, want.ip_gateway);
	ck_assert_uint_eq(c.ip_ttl, 32);
	ck_assert_uint_eq(c.arp_entries, 64);
	ck_assert_uint_eq(c.arp_timeout_s, 60);
	ck_assert_uint_eq(c.arp_pending, 8);
	ck_assert_uint_eq(c.arp_retries, 5);
	ck_assert_uint_eq(c.mbufs, 8191);
	ck_assert_uint_eq(c.mbuf_cache, 128);
	ck_assert_uint_eq(c.burst, 16);
	ck_assert(memcmp(&c, &want, sizeof(c)) == 0);
	/* none of them is a default, so each was really read */
	tern_config_defaults(&want);
	ck_assert_uint_ne(c.port_mtu, want.port_mtu);
	ck_assert_uint_ne(c.port_rx_desc, want.port_rx_desc);
	ck_assert_uint_ne(c.port_tx_desc, want.port_tx_desc);
	ck_assert_uint_ne(c.ip_ttl, want.ip_ttl);
	ck_assert_uint_ne(c.arp_entries, want.arp_entries);
	ck_assert_uint_ne(c.arp_timeout_s, want.arp_timeout_s);
	ck_assert_uint_ne(c.arp_pending, want.arp_pending);
	ck_assert_uint_ne(c.arp_retries, want.arp_retries);
	ck_assert_uint_ne(c.mbufs, want.mbufs);
	ck_assert_uint_ne(c.mbuf_cache, want.mbuf_cache);
	ck_assert_uint_ne(c.burst, want.burst);
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), 0);
}
END_TEST

/* A section that appears twice is read twice, in order (not its first twice). */
START_TEST(test_good_repeated_section)
{
	struct tern_config c;

	tern_config_defaults(&c);
	ck_assert_int_eq(tern_config_load(&c, conf("good_repeated_section.conf"), err,
			sizeof(err)), 0);
	ck_assert_str_eq(c.port_device, "net_tap0");
	ck_assert_uint_eq(c.port_rx_desc, 512);
	ck_assert_uint_eq(c.port_tx_desc, 128);
}
END_TEST

START_TEST(test_good_tcp_keys)
{
	struct tern_config c, want;

	tern_config_defaults(&c);
	ck_assert_msg(tern_config_load(&c, conf("good_tcp.conf"), err, sizeof(err)) == 0,
			"%s", err);
	tern_config_defaults(&want);
	snprintf(want.port_device, sizeof(want.port_device), "sim0");
	want.ip_addr = ip("10.77.0.2");
	want.ip_netmask = ip("255.255.255.0");
	want.tcp_max_conns = 1024;
	want.tcp_max_time_wait = 2048;
	want.tcp_syn_backlog = 128;
	want.tcp_sndbuf = 65536;
	want.tcp_rcvbuf = 131072;
	want.tcp_mss = 1400;
	want.tcp_time_wait_ms = 2000;
	want.tcp_fin_wait_2_s = 30;
	want.tcp_delack_ms = 20;
	want.tcp_rto_min_ms = 100;
	want.tcp_rto_max_ms = 120000;
	want.tcp_retries = 8;
	want.tcp_syn_retries = 3;
	want.tcp_keepalive = 1;
	want.tcp_keepidle_s = 600;
	want.tcp_keepintvl_s = 10;
	want.tcp_keepcnt = 5;
	want.tcp_timestamps = 0;
	want.tcp_window_scaling = 0;
	want.tcp_sack = 0;
	want.tcp_challenge_ack_limit = 100;
	want.tcp_port_min = 40000;
	want.tcp_port_max = 50000;
	ck_assert_uint_eq(c.tcp_max_conns, want.tcp_max_conns);
	ck_assert_uint_eq(c.tcp_rto_max_ms, want.tcp_rto_max_ms);
	ck_assert_uint_eq(c.tcp_keepalive, 1);
	ck_assert_uint_eq(c.tcp_sack, 0);
	ck_assert_uint_eq(c.tcp_port_min, 40000);
	ck_assert_uint_eq(c.tcp_port_max, 50000);
	ck_assert_msg(memcmp(&c, &want, sizeof(c)) == 0, "some [tcp] key was not read");
}
END_TEST

START_TEST(test_good_minimal_keeps_defaults)
{
	struct tern_config c, want;

	tern_config_defaults(&c);
	ck_assert_msg(tern_config_load(&c, conf("good_minimal.conf"), err, sizeof(err)) == 0,
			"%s", err);
	tern_config_defaults(&want);
	snprintf(want.port_device, sizeof(want.port_device), "net_tap0,iface=tern0");
	want.ip_addr = ip("10.77.0.2");
	want.ip_netmask = ip("255.255.255.0");
	ck_assert_str_eq(c.port_device, "net_tap0,iface=tern0");
	ck_assert_uint_eq(c.ip_gateway, 0);
	ck_assert_uint_eq(c.ip_ttl, 64);
	/* every key the file does not name is at its default */
	ck_assert(memcmp(&c, &want, sizeof(c)) == 0);
}
END_TEST

START_TEST(test_load_over_existing_values)
{
	/* the file is read over what the struct holds; unnamed keys keep it */
	struct tern_config c;

	tern_config_defaults(&c);
	c.ip_ttl = 7;
	c.arp_entries = 5;
	c.burst = 3;
	ck_assert_int_eq(tern_config_load(&c, conf("good_minimal.conf"), err, sizeof(err)), 0);
	ck_assert_uint_eq(c.ip_ttl, 7);
	ck_assert_uint_eq(c.arp_entries, 5);
	ck_assert_uint_eq(c.burst, 3);
	ck_assert_uint_eq(c.ip_addr, ip("10.77.0.2"));
}
END_TEST

START_TEST(test_shipped_configs_load)
{
	/* every config in the repository's config/ folder loads and validates */
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/../../../config", getenv("TERN_TEST_CONFIGS") ?
			getenv("TERN_TEST_CONFIGS") : ".");
	d = opendir(dir);
	ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		struct tern_config c;
		int rc;

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		tern_config_defaults(&c);
		rc = tern_config_load(&c, path, err, sizeof(err));
		if (rc != 0)
			closedir(d);
		ck_assert_msg(rc == 0, "%s", err);
		n++;
	}
	closedir(d);
	ck_assert_uint_ge(n, 1);   /* config/tap.conf at least */
}
END_TEST

/* ----------------------------------------------------------------- bad */

struct bad_case {
	const char *file;
	int rc;
	const char *needles[3];   /* what the message must name besides the file */
};

static const struct bad_case bad_cases[] = {
	{ "bad_section.conf", -EINVAL, { "[ipv7]", "unknown section" } },
	{ "bad_key.conf", -EINVAL, { "[port] speed", "unknown key" } },
	{ "missing_device.conf", -EINVAL, { "[port] device", "missing" } },
	{ "missing_address.conf", -EINVAL, { "[ipv4] address", "missing" } },
	{ "missing_netmask.conf", -EINVAL, { "[ipv4] netmask", "missing" } },
	{ "bad_address.conf", -EINVAL, { "[ipv4] address", "10.77.0.300" } },
	{ "bad_netmask.conf", -EINVAL, { "[ipv4] netmask" } },
	{ "gateway_outside.conf", -EINVAL, { "[ipv4] gateway", "outside" } },
	{ "out_of_range.conf", -EINVAL, { "[stack] burst", "65" } },
	{ "not_number.conf", -EINVAL, { "[arp] timeout", "5m" } },
	{ "negative.conf", -EINVAL, { "[ipv4] ttl", "-1" } },
	{ "not_ini.conf", -EINVAL, { NULL } },
	{ "no_such_file.conf", -ENOENT, { NULL } },
};

START_TEST(test_bad_file)
{
	const struct bad_case *b = &bad_cases[_i];
	const char *path = conf(b->file);
	struct tern_config c;
	int rc;

	tern_config_defaults(&c);
	memset(err, 0, sizeof(err));
	rc = tern_config_load(&c, path, err, sizeof(err));
	ck_assert_msg(rc == b->rc, "%s: returned %d, expected %d (message: %s)", b->file, rc,
			b->rc, err);
	/* one line that names the file... */
	ck_assert_msg(err[0] != '\0', "%s: no message", b->file);
	ck_assert_msg(strchr(err, '\n') == NULL, "%s: more than one line: %s", b->file, err);
	ck_assert_msg(strstr(err, path) != NULL, "%s: message does not name the file: %s",
			b->file, err);
	/* ...and the section and key */
	for (size_t i = 0; i < RTE_DIM(b->needles) && b->needles[i] != NULL; i++)
		ck_assert_msg(strstr(err, b->needles[i]) != NULL,
				"%s: message does not say \"%s\": %s", b->file, b->needles[i], err);
}
END_TEST

START_TEST(test_bad_file_without_message_buffer)
{
	struct tern_config c;
	char small[8];

	tern_config_defaults(&c);
	ck_assert_int_eq(tern_config_load(&c, conf("bad_key.conf"), NULL, 0), -EINVAL);
	ck_assert_int_eq(tern_config_load(&c, conf("no_such_file.conf"), NULL, 0), -ENOENT);
	/* a short buffer gets a truncated, terminated message */
	memset(small, 'x', sizeof(small));
	ck_assert_int_eq(tern_config_load(&c, conf("bad_key.conf"), small, sizeof(small)),
			-EINVAL);
	ck_assert_uint_eq(strnlen(small, sizeof(small)), sizeof(small) - 1);
}
END_TEST

START_TEST(test_number_bounds)
{
	/* the smallest and largest accepted values, one past each, and junk */
	static const struct {
		const char *section, *line;
		int rc;
		bool file_level;     /* refused by the INI reader: no key to name */
	} cases[] = {
		{ "stack", "burst = 1", 0, false },
		{ "stack", "burst = 64", 0, false },
		{ "stack", "burst = 0", -EINVAL, false },
		{ "stack", "burst = 65", -EINVAL, false },
		{ "ipv4", "ttl = 1", 0, false },
		{ "ipv4", "ttl = 255", 0, false },
		{ "ipv4", "ttl = 0", -EINVAL, false },
		{ "ipv4", "ttl = 256", -EINVAL, false },
		{ "arp", "retries = 100", 0, false },
		{ "arp", "retries = 101", -EINVAL, false },
		{ "arp", "entries = 0", -EINVAL, false },
		{ "arp", "entries = 4294967297", -EINVAL, false },
		{ "arp", "entries = 99999999999999999999999", -EINVAL, false },
		{ "arp", "entries = 12 34", -EINVAL, false },
		{ "arp", "entries = 12abc", -EINVAL, false },
		/* rte_cfgfile refuses an empty value: a whole-file error */
		{ "arp", "entries =", -EINVAL, true },
		{ "port", "mtu = 0", 0, false },
		{ "port", "mtu = 9001", -EINVAL, false },
		{ "port", "rx_desc = 63", -EINVAL, false },
		{ "stack", "mbufs = 1023", -EINVAL, false },
		{ "ipv6", "address = 2001:db8::2/64", 0, false },
		{ "ipv6", "address = 2001:db8::2/128", 0, false },
		{ "ipv6", "address = 2001:db8::2", -EINVAL, false },
		{ "ipv6", "address = 2001:db8::2/0", -EINVAL, false },
		{ "ipv6", "address = 2001:db8::2/129", -EINVAL, false },
		{ "ipv6", "address = 2001:db8::2/6x", -EINVAL, false },
		{ "ipv6", "address = 10.77.0.2/24", -EINVAL, false },
		{ "ipv6", "address = fe80::2/64", -EINVAL, false },      /* link_local makes it */
		{ "ipv6", "address = ff02::1/64", -EINVAL, false },
		{ "ipv6", "address = ::1/128", -EINVAL, false },
		{ "ipv6", "gateway = fe80::1", 0, false },
		{ "ipv6", "gateway = 2001:db8::1", -EINVAL, false },     /* no prefix to be in */
		{ "ipv6", "gateway = ff02::2", -EINVAL, false },
		{ "ipv6", "link_local = 0", -EINVAL, false },            /* no address at all */
		{ "ipv6", "hop_limit = 255", 0, false },
		{ "ipv6", "hop_limit = 0", -EINVAL, false },
	};
	char tmpl[] = "/tmp/tern_unit_config_XXXXXX";
	int fd = mkstemp(tmpl);

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		bool in_port = strcmp(cases[i].section, "port") == 0;
		bool in_ipv4 = strcmp(cases[i].section, "ipv4") == 0;
		FILE *f = fopen(tmpl, "w");
		struct tern_config c;
		int rc;

		ck_assert_ptr_nonnull(f);
		fprintf(f, "[port]\ndevice = sim0\n%s\n", in_port ? cases[i].line : "");
		fprintf(f, "[ipv4]\naddress = 10.77.0.2\nnetmask = 255.255.255.0\n%s\n",
				in_ipv4 ? cases[i].line : "");
		if (!in_port && !in_ipv4)
			fprintf(f, "[%s]\n%s\n", cases[i].section, cases[i].line);
		fclose(f);
		tern_config_defaults(&c);
		rc = tern_config_load(&c, tmpl, err, sizeof(err));
		if (rc != cases[i].rc)
			unlink(tmpl);
		ck_assert_msg(rc == cases[i].rc, "[%s] %s: %d, expected %d (%s)",
				cases[i].section, cases[i].line, rc, cases[i].rc, err);
		if (rc != 0 && !cases[i].file_level) {
			char key[64];

			snprintf(key, sizeof(key), "[%s] %.*s", cases[i].section,
					(int)strcspn(cases[i].line, " ="), cases[i].line);
			if (strstr(err, key) == NULL)
				unlink(tmpl);
			ck_assert_msg(strstr(err, key) != NULL, "message does not say \"%s\": %s",
					key, err);
		}
	}
	unlink(tmpl);
}
END_TEST

/* [ipv6]: the section turns IPv6 on; its values land in the config. */
START_TEST(test_ipv6_section_loads)
{
	char tmpl[] = "/tmp/tern_unit_config_XXXXXX";
	int fd = mkstemp(tmpl);
	struct tern_config c;
	struct in6_addr a, g;
	FILE *f;
	int rc;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "[port]\ndevice = sim0\n[ipv4]\naddress = 10.77.0.2\nnetmask = 255.255.255.0\n"
			"[ipv6]\naddress = 2001:db8:1::2/48\ngateway = 2001:db8:1:ff::1\n"
			"hop_limit = 32\n");
	fclose(f);
	tern_config_defaults(&c);
	ck_assert_uint_eq(c.ip6_enabled, 0);
	rc = tern_config_load(&c, tmpl, err, sizeof(err));
	unlink(tmpl);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1::2", &a), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1:ff::1", &g), 1);
	ck_assert_uint_eq(c.ip6_enabled, 1);
	ck_assert_mem_eq(c.ip6_addr, &a, 16);
	ck_assert_uint_eq(c.ip6_prefix_len, 48);
	ck_assert_mem_eq(c.ip6_gateway, &g, 16);
	ck_assert_uint_eq(c.ip6_link_local, 1);
	ck_assert_uint_eq(c.ip6_hop_limit, 32);
}
END_TEST

/* ------------------------------------------------------------ validate */

static void
valid_base(struct tern_config *c)
{
	tern_config_defaults(c);
	snprintf(c->port_device, sizeof(c->port_device), "sim0");
	c->ip_addr = ip("10.77.0.2");
	c->ip_netmask = ip("255.255.255.0");
	c->ip_gateway = ip("10.77.0.1");
}

START_TEST(test_validate)
{
	struct tern_config c;

	valid_base(&c);
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), 0);
	/* the defaults alone are not a usable config: no device, no address */
	tern_config_defaults(&c);
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[port] device"));

	valid_base(&c);
	c.ip_addr = ip("10.77.0.0");         /* the network address */
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] address"));
	valid_base(&c);
	c.ip_addr = ip("10.77.0.255");       /* the broadcast address */
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] address"));
	valid_base(&c);
	c.ip_addr = ip("224.0.0.5");         /* multicast */
	c.ip_gateway = 0;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] address"));
	/* [ipv4] address_count: the whole range inside the subnet's hosts */
	valid_base(&c);
	c.ip_addr_count = 200;               /* 10.77.0.2 .. 10.77.0.201 */
	c.ip_gateway = 0;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), 0);
	c.ip_addr_count = 254;               /* .. 10.77.0.255, the broadcast */
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] address_count"));
	c.ip_addr_count = 300;               /* past the subnet */
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] address_count"));
	valid_base(&c);
	c.ip_addr_count = 3;
	c.ip_gateway = ip("10.77.0.4");      /* one of ours */
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] gateway"));
	valid_base(&c);
	c.ip_netmask = ip("255.255.255.255");
	c.ip_gateway = 0;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] netmask"));
	valid_base(&c);
	c.ip_netmask = 0;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] netmask"));
	valid_base(&c);
	c.ip_gateway = c.ip_addr;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] gateway"));
	valid_base(&c);
	c.ip_gateway = ip("10.77.1.1");
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[ipv4] gateway"));
	valid_base(&c);
	c.mbufs = 1024;
	c.mbuf_cache = 257;
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "[stack] mbuf_cache"));
	/* a /30 works: .1 and .2 are its hosts */
	valid_base(&c);
	c.ip_netmask = ip("255.255.255.252");
	c.ip_addr = ip("10.77.0.2");
	c.ip_gateway = ip("10.77.0.1");
	ck_assert_int_eq(tern_config_validate(&c, err, sizeof(err)), 0);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("bad");
	TCase *val = tcase_create("validate");

	tcase_add_checked_fixture(good, setup, NULL);
	tcase_add_test(good, test_good_every_key);
	tcase_add_test(good, test_good_tcp_keys);
	tcase_add_test(good, test_good_repeated_section);
	tcase_add_test(good, test_good_minimal_keeps_defaults);
	tcase_add_test(good, test_load_over_existing_values);
	tcase_add_test(good, test_shipped_configs_load);
	suite_add_tcase(s, good);

	tcase_add_checked_fixture(bad, setup, NULL);
	tcase_add_loop_test(bad, test_bad_file, 0, RTE_DIM(bad_cases));
	tcase_add_test(bad, test_bad_file_without_message_buffer);
	tcase_add_test(bad, test_number_bounds);
	tcase_add_test(bad, test_ipv6_section_loads);
	suite_add_tcase(s, bad);

	tcase_add_checked_fixture(val, setup, NULL);
	tcase_add_test(val, test_validate);
	suite_add_tcase(s, val);
	return s;
}

int
main(void)
{
	return unit_run(config_suite());
}
