/* SPDX-License-Identifier: MIT */
/* redflagd: main() only wires things (start-up in daemon.c, the pass in jobs.c). */
#include <getopt.h>
#include <signal.h>

#include "clock.h"
#include "daemon.h"
#include "jobs.h"
#include "log.h"

static const char *arg_config = DEFAULT_CONFIG_PATH;
static bool arg_once;
static bool arg_check_config;

static void help(void)
{
	printf("Usage: redflagd [OPTIONS]\n\n"
	       "Watches your IMAP mailboxes and warns you by email about difficult clients.\n\n"
	       "  -c, --config FILE   configuration file (default %s)\n"
	       "      --once          one full sync + evaluation + delivery pass, then exit\n"
	       "      --check-config  validate the configuration and exit\n"
	       "      --foreground    stay in the foreground (always the case; for systemd)\n"
	       "  -v, --verbose       log debug messages\n"
	       "  -h, --help          show this help\n"
	       "      --version       show the version\n\n"
	       "See redflagd(8) and redflagd.conf(5).\n",
	       DEFAULT_CONFIG_PATH);
}

static int parse_argv(int argc, char **argv)
{
	enum { ARG_ONCE = 0x100, ARG_CHECK, ARG_FOREGROUND, ARG_VERSION };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, ARG_ONCE },
		{ "check-config", no_argument, NULL, ARG_CHECK },
		{ "foreground", no_argument, NULL, ARG_FOREGROUND },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:vh", options, NULL)) >= 0)
		switch (ch) {
		case 'c':
			arg_config = optarg;
			break;
		case ARG_ONCE:
			arg_once = true;
			break;
		case ARG_CHECK:
			arg_check_config = true;
			break;
		case ARG_FOREGROUND:
			break;
		case 'v':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		case ARG_VERSION:
			printf("redflagd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return -EINVAL;
		}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see redflagd --help)", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

static int check_config(void)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	_cleanup_(diag_done) struct diag d = {};
	int r;

	if (daemon_load_config(arg_config, &c) < 0)
		return EXIT_FAILURE;
	/* The lexicon files are checked too: at run time a bad line is only
	 * skipped, here it is a problem to fix. */
	r = lexicon_load_default(c->lexicon_dir, &lx, &d);
	for (char **l = d.lines; l && *l; l++)
		fprintf(stderr, "%s\n", *l);
	if (r < 0)
		return log_error_errno(r, "Failed to load the tone lexicons: %m"), EXIT_FAILURE;
	if (d.n_errors > 0) {
		log_error("%u problem%s in the lexicon files", d.n_errors, d.n_errors == 1 ? "" : "s");
		return EXIT_FAILURE;
	}
	printf("configuration OK\n");
	return EXIT_SUCCESS;
}

static int run_once(void)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_store_close_ struct store *s = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	struct jobs_stats st = {};
	int r;

	if (daemon_load_config(arg_config, &c) < 0 || daemon_drop_privileges(c) < 0 ||
	    daemon_open_store(c, false, &s) < 0 || daemon_load_lexicon(c, &lx) < 0)
		return EXIT_FAILURE;
	r = jobs_run_pass(c, s, lx, true, &st);
	log_info("pass done: %u new messages, %u alerts queued, %u sent, %u not delivered yet",
		 st.messages_stored, st.alerts_queued, st.alerts_sent, st.alerts_failed);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	int r;

	log_open();
	r = parse_argv(argc, argv);
	if (r <= 0)
		return r < 0 ? 2 : EXIT_SUCCESS;
	if (clock_init() < 0) {
		log_error("REDFLAGD_NOW='%s' is not an RFC 3339 time", getenv("REDFLAGD_NOW"));
		return EXIT_FAILURE;
	}
	/* libetpan writes to sockets without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);

	if (arg_check_config)
		return check_config();
	if (arg_once)
		return run_once();
	return daemon_run(arg_config);
}
