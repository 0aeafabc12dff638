/* SPDX-License-Identifier: MIT */
/* redflag: the owner's tool; main() only dispatches to cmd.c. */
#include <getopt.h>

#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "log.h"

static const struct {
	const char *name;
	int (*run)(const char *config_path, int argc, char **argv);
	const char *help;
} commands[] = {
	{ "report", cmd_report, "report [--json] [--client ID]  every client: level, score, why" },
	{ "explain", cmd_explain, "explain CLIENT                 the evidence behind a client's score" },
	{ "scan", cmd_scan, "scan [--json] [FILE.eml]       how one message is read (stdin without FILE)" },
	{ "tone", cmd_tone, "tone                           one text per line on stdin -> JSON lines" },
	{ "note", cmd_note, "note CLIENT \"what was done\"    record an intervention" },
	{ "test-alert", cmd_test_alert, "test-alert                     send a sample alert through [smtp]" },
	{ "rescan", cmd_rescan, "rescan [--days N]              score stored messages again after a lexicon change" },
};

static void help(void)
{
	printf("Usage: redflag [-c FILE] COMMAND [ARGS]\n\n"
	       "The owner's view of what redflagd learned about your clients.\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		printf("  %s\n", commands[i].help);
	printf("\nOptions:\n"
	       "  -c, --config FILE  configuration file (default %s)\n"
	       "  -v, --verbose      log debug messages\n"
	       "  -h, --help         show this help\n\n"
	       "See redflag(1).\n",
	       DEFAULT_CONFIG_PATH);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	const char *config = NULL;
	int ch;

	log_open();
	/* '+': stop at the command; its own options are parsed by cmd.c. */
	while ((ch = getopt_long(argc, argv, "+c:vh", options, NULL)) >= 0)
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			printf("redflag %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			return 2;
		}
	if (optind >= argc) {
		help();
		return 2;
	}
	if (clock_init() < 0) {
		log_error("REDFLAGD_NOW='%s' is not an RFC 3339 time", getenv("REDFLAGD_NOW"));
		return EXIT_FAILURE;
	}
	/* Without -c, the default file is used when it exists (scan and tone
	 * also work without any configuration). */
	if (!config && access(DEFAULT_CONFIG_PATH, F_OK) == 0)
		config = DEFAULT_CONFIG_PATH;

	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(argv[optind], commands[i].name))
			return commands[i].run(config, argc - optind, argv + optind);
	log_error("unknown command '%s' (see redflag --help)", argv[optind]);
	return 2;
}
