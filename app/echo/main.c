/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-echo: brings a Tern stack up on a DPDK port; it answers ARP and ping.
 * (TCP echo on port 7 arrives with the TCP engine.)
 *
 *   tern-echo [EAL args] -- [--config FILE] [--duration SEC]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "app_common.h"

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--config FILE] [--duration SEC]\n"
		"  --config FILE   stack config (default config/tap.conf)\n"
		"  --duration SEC  stop after SEC seconds (default: run until SIGINT/SIGTERM)\n",
		prog);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case 'd':
			ctx->duration_s = strtod(optarg, &end);
			if (*end != '\0' || ctx->duration_s <= 0) {
				fprintf(stderr, "%s: --duration: not a positive number '%s'\n",
						ctx->name, optarg);
				exit(APP_EXIT_USAGE);
			}
			break;
		case 'h':
			usage(ctx->name);
			exit(0);
		default:
			usage(ctx->name);
			exit(APP_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", ctx->name, argv[optind]);
		exit(APP_EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	struct app_ctx ctx = { .name = "tern-echo", .config_path = "config/tap.conf" };
	int eal_argc = app_eal_argc(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0)
		eal_argc = argc;   /* no "--": everything is EAL's */
	else
		parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	app_load_config(&ctx);
	app_start(&ctx, eal_argc, argv);
	app_run(&ctx);
	return app_finish(&ctx);
}
