/* SPDX-License-Identifier: MIT */
#include <getopt.h>

#include <glib.h>

#include "alert.h"
#include "analyse.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "imap-sync.h"
#include "json.h"
#include "log.h"
#include "mime-text.h"
#include "report.h"
#include "rules.h"
#include "smtp.h"
#include "store.h"
#include "text-clean.h"
#include "tone.h"

static int need_config(const char *config_path, struct conf **ret)
{
	if (!config_path) {
		log_error("no configuration file: pass -c FILE (default %s)", DEFAULT_CONFIG_PATH);
		return -ENOENT;
	}
	return daemon_load_config(config_path, ret);
}

/* Options shared by report and explain: --json, --client ID. */
static int parse_report_args(int argc, char **argv, bool *json, const char **client, bool positional)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "client", required_argument, NULL, 'C' },
		{},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", options, NULL)) >= 0)
		switch (ch) {
		case 'j':
			*json = true;
			break;
		case 'C':
			*client = optarg;
			break;
		default:
			return -EINVAL;
		}
	if (positional && optind < argc)
		*client = argv[optind++];
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int evaluate(const char *config_path, struct conf **ret_conf, struct store **ret_store,
		    struct eval **ret_eval)
{
	int r;

	if (need_config(config_path, ret_conf) < 0)
		return -EINVAL;
	if (daemon_open_store(*ret_conf, true, ret_store) < 0)
		return -EIO;
	r = rules_evaluate(*ret_conf, *ret_store, clock_now(), ret_eval);
	if (r < 0)
		return log_error_errno(r, "Failed to evaluate clients: %s", store_error(*ret_store));
	return 0;
}

int cmd_report(const char *config_path, int argc, char **argv)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_store_close_ struct store *s = NULL;
	_cleanup_eval_free_ struct eval *e = NULL;
	const char *client = NULL;
	bool json = false;
	int r;

	if (parse_report_args(argc, argv, &json, &client, false) < 0)
		return 2;
	if (evaluate(config_path, &c, &s, &e) < 0)
		return EXIT_FAILURE;
	r = report_print(stdout, c, s, e, json, client);
	if (r == -ENOENT) {
		log_error("no client '%s' in '%s'", client, config_path);
		return EXIT_FAILURE;
	}
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_explain(const char *config_path, int argc, char **argv)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_store_close_ struct store *s = NULL;
	_cleanup_eval_free_ struct eval *e = NULL;
	const char *client = NULL;
	bool json = false;
	int r;

	if (parse_report_args(argc, argv, &json, &client, true) < 0 || !client) {
		log_error("usage: redflag explain CLIENT");
		return 2;
	}
	if (evaluate(config_path, &c, &s, &e) < 0)
		return EXIT_FAILURE;
	r = report_explain(stdout, c, s, e, client);
	if (r == -ENOENT) {
		log_error("no client '%s' in '%s'", client, config_path);
		return EXIT_FAILURE;
	}
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void print_scan_json(const struct mime_message *m, const struct conf_client *client,
			    const struct analysis *a)
{
	_cleanup_free_ char *tone = tone_result_to_json(&a->tone), *hits = tone_hits_to_json(&a->tone);
	char date[32];

	printf("{\"from\": ");
	json_write_string(stdout, m->from);
	printf(", \"date\": ");
	if (m->date)
		json_write_string(stdout, clock_format_rfc3339(m->date, date));
	else
		printf("null");
	printf(", \"subject\": ");
	json_write_string(stdout, m->subject);
	printf(", \"message_id\": ");
	if (m->message_id)
		json_write_string(stdout, m->message_id);
	else
		printf("null");
	printf(", \"automated\": %s, \"client\": ", m->automated ? "true" : "false");
	if (client)
		json_write_string(stdout, client->id);
	else
		printf("null");
	printf(", \"language\": ");
	json_write_string(stdout, a->tone.language);
	printf(", \"text\": ");
	json_write_string(stdout, a->clean_text);
	/* The tone object's members (score, label, categories) are spliced in. */
	if (tone && tone[0] == '{' && tone[1] != '}') {
		size_t n = strlen(tone);
		printf(", %.*s", (int) (n - 2), tone + 1);
	}
	printf(", \"hits\": %s}\n", hits ? hits : "[]");
}

static void print_scan_text(const struct mime_message *m, const struct conf_client *client,
			    const char *who, const struct analysis *a)
{
	char date[32];
	bool any = false;

	printf("From:        %s%s%s\n", isempty(m->from) ? "(none)" : m->from, who ? "  -> " : "",
	       who ? who : "");
	if (client)
		printf("Client:      %s (%s)\n", client->name, client->id);
	printf("Date:        %s\n", m->date ? clock_format_rfc3339(m->date, date) : "(none)");
	printf("Subject:     %s\n", strempty(m->subject));
	printf("Message-ID:  %s\n", m->message_id ? m->message_id : "(none)");
	printf("Automated:   %s\n", m->automated ? "yes (never counted for a client)" : "no");
	printf("Language:    %s\n", a->tone.language);
	printf("Tone:        %+.2f (%s)\n", a->tone.score, tone_label_to_string(a->tone.label));
	printf("Categories: ");
	for (int i = 0; i < _CATEGORY_MAX; i++)
		if (a->tone.categories[i]) {
			printf(" %s %u", category_to_string(i), a->tone.categories[i]);
			any = true;
		}
	printf("%s\n", any ? "" : " none");
	if (a->tone.n_hits > 0) {
		printf("Hits:\n");
		for (size_t i = 0; i < a->tone.n_hits; i++)
			printf("  %-9s %+6.2f  \"%s\"%s\n", category_to_string(a->tone.hits[i].category),
			       a->tone.hits[i].weight, a->tone.hits[i].phrase,
			       a->tone.hits[i].negated ? "  (negated)" : "");
	}
	printf("Cleaned text (only this is scored):\n");
	if (isempty(a->clean_text))
		printf("  (empty)\n");
	else {
		g_auto(GStrv) lines = g_strsplit(a->clean_text, "\n", -1);
		for (char **l = lines; *l; l++)
			printf("  | %s\n", *l);
	}
}

int cmd_scan(const char *config_path, int argc, char **argv)
{
	static const struct option options[] = { { "json", no_argument, NULL, 'j' }, {} };
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	_cleanup_free_ char *raw = NULL;
	struct mime_message m = {};
	struct msg_features f = {};
	struct analysis a = {};
	const struct conf_client *client = NULL;
	const char *who = NULL;
	size_t len = 0;
	bool json = false;
	int ch, r, ret = EXIT_FAILURE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", options, NULL)) >= 0)
		if (ch == 'j')
			json = true;
		else
			return 2;
	if (argc - optind > 1) {
		log_error("usage: redflag scan [--json] [FILE.eml]");
		return 2;
	}
	if (config_path && daemon_load_config(config_path, &c) < 0)
		return EXIT_FAILURE;
	if (daemon_load_lexicon(c, &lx) < 0)
		return EXIT_FAILURE;

	if (optind < argc && !streq(argv[optind], "-"))
		r = read_full_file(argv[optind], MIME_MAX_MESSAGE, &raw, &len);
	else
		r = read_full_file("/dev/stdin", MIME_MAX_MESSAGE, &raw, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m",
				       optind < argc ? argv[optind] : "standard input"),
		       EXIT_FAILURE;

	r = mime_message_parse(raw, len, &m);
	if (r < 0) {
		log_error_errno(r, "Not a readable message: %m");
		goto finish;
	}
	r = analyse_message(&m, lx, true, &f, &a);
	if (r < 0) {
		log_error_errno(r, "Failed to analyse the message: %m");
		goto finish;
	}
	if (c && !m.automated) {
		switch (conf_classify_sender(c, m.from, &client)) {
		case SENDER_OWNER:
			who = "you (one of [owner] addresses)";
			break;
		case SENDER_UNKNOWN:
			who = "unknown sender (no client matches)";
			break;
		default:
			break;
		}
	}
	if (json)
		print_scan_json(&m, client, &a);
	else
		print_scan_text(&m, client, who, &a);
	ret = EXIT_SUCCESS;
finish:
	analysis_done(&a);
	msg_features_done(&f);
	mime_message_done(&m);
	return ret;
}

/* A literal backslash-n inside a line is a line break, so that a quoted
 * reply can be given on one line. */
static void unescape_newlines(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			*w++ = '\n';
			p++;
		} else
			*w++ = *p;
	}
	*w = '\0';
}

int cmd_tone(const char *config_path, int argc, char **argv)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	_cleanup_free_ char *line = NULL;
	size_t alloc = 0;
	ssize_t n;

	if (argc > 1) {
		log_error("usage: redflag tone < TEXTS (one text per line)");
		return 2;
	}
	if (config_path && daemon_load_config(config_path, &c) < 0)
		return EXIT_FAILURE;
	if (daemon_load_lexicon(c, &lx) < 0)
		return EXIT_FAILURE;
	while ((n = getline(&line, &alloc, stdin)) >= 0) {
		_cleanup_free_ char *clean = NULL, *json = NULL;
		struct tone_result t = {};
		int r;

		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		unescape_newlines(line);
		clean = text_clean(line, strlen(line));
		if (!clean)
			return log_error_errno(ENOMEM, "Out of memory"), EXIT_FAILURE;
		r = tone_analyse(lx, clean, strlen(clean), &t);
		if (r < 0)
			return log_error_errno(r, "Failed to score a line: %m"), EXIT_FAILURE;
		json = tone_result_to_json(&t);
		tone_result_done(&t);
		if (!json)
			return log_error_errno(ENOMEM, "Out of memory"), EXIT_FAILURE;
		printf("%s\n", json);
		fflush(stdout);
	}
	return EXIT_SUCCESS;
}

int cmd_note(const char *config_path, int argc, char **argv)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_store_close_ struct store *s = NULL;
	int r;

	if (argc != 3 || isempty(argv[2])) {
		log_error("usage: redflag note CLIENT \"what was done\"");
		return 2;
	}
	if (need_config(config_path, &c) < 0)
		return EXIT_FAILURE;
	if (!conf_find_client(c, argv[1])) {
		log_error("no client '%s' in '%s'", argv[1], config_path);
		return EXIT_FAILURE;
	}
	if (daemon_open_store(c, false, &s) < 0)
		return EXIT_FAILURE;
	r = store_note_add(s, argv[1], clock_now(), argv[2]);
	if (r < 0)
		return log_error_errno(r, "Failed to record the note: %s", store_error(s)),
		       EXIT_FAILURE;
	if (streq_ptr(c->owner_language, "fr"))
		printf("Noté pour %s. 'redflag report' montrera le score avant et après.\n", argv[1]);
	else
		printf("Noted for %s. 'redflag report' will show the score before and after it.\n", argv[1]);
	return EXIT_SUCCESS;
}

int cmd_test_alert(const char *config_path, int argc, char **argv)
{
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_free_ char *mid = NULL, *payload = NULL, *err = NULL;
	size_t len = 0;
	long code = 0;
	int r;

	if (argc > 1) {
		log_error("usage: redflag test-alert");
		return 2;
	}
	if (need_config(config_path, &c) < 0)
		return EXIT_FAILURE;
	if (!c->has_smtp || isempty(c->owner_email)) {
		log_error("'%s' has no [smtp] section or no [owner] email: nowhere to send alerts",
			  config_path);
		return EXIT_FAILURE;
	}
	r = alert_compose(c, NULL, ALERT_TEST, clock_now(), &mid, &payload, &len);
	if (r < 0)
		return log_error_errno(r, "Failed to compose the test alert: %m"), EXIT_FAILURE;
	r = smtp_send(c, c->owner_email, payload, len, &code, &err);
	if (r < 0) {
		log_error("test alert not sent: %s", err ? err : strerror(-r));
		return EXIT_FAILURE;
	}
	if (streq_ptr(c->owner_language, "fr"))
		printf("Alerte de test envoyée à %s (Message-ID <%s>).\n", c->owner_email, mid);
	else
		printf("Test alert sent to %s (Message-ID <%s>).\n", c->owner_email, mid);
	return EXIT_SUCCESS;
}

int cmd_rescan(const char *config_path, int argc, char **argv)
{
	static const struct option options[] = { { "days", required_argument, NULL, 'd' }, {} };
	_cleanup_conf_free_ struct conf *c = NULL;
	_cleanup_store_close_ struct store *s = NULL;
	_cleanup_lexicon_free_ struct lexicon *lx = NULL;
	unsigned long long days = 30;
	unsigned changed[_TONE_LABEL_MAX][_TONE_LABEL_MAX] = {};
	unsigned rescored = 0, skipped = 0, failed = 0;
	int64_t since;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", options, NULL)) >= 0)
		switch (ch) {
		case 'd':
			if (parse_uint(optarg, 36500, &days) < 0 || days == 0) {
				log_error("--days wants a number of days from 1 to 36500, not '%s'", optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	if (optind < argc) {
		log_error("usage: redflag rescan [--days N]");
		return 2;
	}
	if (need_config(config_path, &c) < 0)
		return EXIT_FAILURE;
	/* Like the daemon: it runs the password commands and writes its
	 * database, so it does that as [daemon] user. */
	if (daemon_drop_privileges(c) < 0 || daemon_open_store(c, false, &s) < 0 ||
	    daemon_load_lexicon(c, &lx) < 0)
		return EXIT_FAILURE;

	since = clock_now() - (int64_t) days * SEC_PER_DAY;
	for (size_t i = 0; i < c->n_accounts; i++) {
		const struct conf_account *a = &c->accounts[i];
		_cleanup_free_ char *err = NULL;
		struct rescan_stats st = {};
		int r;

		r = imap_rescan_account(c, a, s, lx, since, &st, &err);
		rescored += st.rescored;
		skipped += st.skipped;
		for (int o = 0; o < _TONE_LABEL_MAX; o++)
			for (int n = 0; n < _TONE_LABEL_MAX; n++)
				changed[o][n] += st.changed[o][n];
		if (r < 0) {
			/* One bad account never stops the others. */
			log_error("account '%s': %s", a->name, err ? err : strerror(-r));
			failed++;
			continue;
		}
		log_info("account '%s': %u stored messages in the last %llu days, %u rescored, %u skipped",
			 a->name, st.messages, days, st.rescored, st.skipped);
	}

	printf("%u message%s rescored\n", rescored, rescored == 1 ? "" : "s");
	for (int o = 0; o < _TONE_LABEL_MAX; o++)
		for (int n = 0; n < _TONE_LABEL_MAX; n++)
			if (changed[o][n] > 0)
				printf("  %s -> %s: %u\n", tone_label_to_string(o), tone_label_to_string(n),
				       changed[o][n]);
	if (skipped > 0)
		printf("%u message%s skipped (see the warnings)\n", skipped, skipped == 1 ? "" : "s");
	if (failed > 0) {
		log_error("%u of %zu account%s could not be rescanned", failed, c->n_accounts,
			  c->n_accounts == 1 ? "" : "s");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
