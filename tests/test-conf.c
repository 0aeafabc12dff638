/* SPDX-License-Identifier: MIT */
/* The configuration parser: a full round trip, one FILE:LINE message per
 * mistake, thresholds overrides, attribution, file system checks, and the
 * shipped example configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>

#include "conf.h"
#include "test-helpers.h"
#include "util.h"

#define FILE_NAME "test.conf"

static int parse(const char *text, struct conf **ret, struct diag *d)
{
	return conf_parse(FILE_NAME, text, strlen(text), ret, d);
}

static void dump(const struct diag *d)
{
	for (char **l = d->lines; l && *l; l++)
		print_message("  %s\n", *l);
}

static void expect_ok(const char *text)
{
	struct diag d = {};
	struct conf *c = NULL;
	int r = parse(text, &c, &d);

	if (r != 0) {
		dump(&d);
		fail_msg("expected no error, got %d", r);
	}
	assert_non_null(c);
	conf_free(c);
	diag_done(&d);
}

/* Exactly one message, "test.conf:LINE: ..." containing msg. */
static void expect_one(const char *text, unsigned line, const char *msg)
{
	_cleanup_free_ char *prefix = strdup_printf(FILE_NAME ":%u: ", line);
	struct diag d = {};
	struct conf *c = NULL;
	int r = parse(text, &c, &d);

	if (r != 1 || strv_length(d.lines) != 1 || d.n_errors != 1) {
		dump(&d);
		fail_msg("expected exactly one error for '%s', got %d", msg, r);
	}
	assert_non_null(c);
	if (strncmp(d.lines[0], prefix, strlen(prefix)) != 0 || !strstr(d.lines[0], msg)) {
		dump(&d);
		fail_msg("expected '%s...%s'", prefix, msg);
	}
	conf_free(c);
	diag_done(&d);
}

#define ACCOUNT_OK                                                                                 \
	"[account \"work\"]\n"                                                                     \
	"url = imaps://imap.example.com\n"                                                         \
	"username = marie@studio.example\n"                                                        \
	"password_file = /etc/redflagd/work.pass\n"

static const char full_config[] =
    "# every key\n"                                                        /* 1 */
    "[daemon]\n"                                                           /* 2 */
    "database = /srv/redflagd/rf.db\n"                                     /* 3 */
    "poll_interval = 120\n"                                                /* 4 */
    "backfill_days = 30\n"                                                 /* 5 */
    "retention_days = 200\n"                                               /* 6 */
    "store_evidence = no\n"                                                /* 7 */
    "user = redflagd\n"                                                    /* 8 */
    "lexicon_dir = /usr/share/redflagd/lexicon\n"                          /* 9 */
    "\n"                                                                   /* 10 */
    "[owner]\n"                                                            /* 11 */
    "name = Marie Dupont\n"                                                /* 12 */
    "email = Marie@Studio.Example\n"                                       /* 13 */
    "addresses = marie@studio.example, CONTACT@studio.example\n"           /* 14 */
    "language = fr\n"                                                      /* 15 */
    "timezone = Europe/Paris\n"                                            /* 16 */
    "business_hours = mon-thu 08:30-17:00, fri 08:30-12:00\n"              /* 17 */
    "min_hourly_rate = 45.5\n"                                             /* 18 */
    "\n"                                                                   /* 19 */
    "[smtp]\n"                                                             /* 20 */
    "url = smtps://mail.studio.example\n"                                  /* 21 */
    "tls = required\n"                                                     /* 22 */
    "ca_file = /etc/ssl/certs/ca-certificates.crt\n"                       /* 23 */
    "username = marie@studio.example\n"                                    /* 24 */
    "password_credential = smtp\n"                                         /* 25 */
    "from = \"Studio #2 <alerts@studio.example>\"  # quoted to keep '#'\n" /* 26 */
    "retry_min = 90\n"                                                     /* 27 */
    "\n"                                                                   /* 28 */
    "[account \"work\"]\n"                                                 /* 29 */
    "url = imap://[::1]:1143\n"                                            /* 30 */
    "tls = none\n"                                                         /* 31 */
    "ca_file = /etc/redflagd/ca.pem\n"                                     /* 32 */
    "username = marie\n"                                                   /* 33 */
    "auth = login\n"                                                       /* 34 */
    "password_command = pass show 'mail/work account'\n"                   /* 35 */
    "folders = INBOX, Clients/*\n"                                         /* 36 */
    "idle_folders = INBOX, Clients/Acme\n"                                 /* 37 */
    "\n"                                                                   /* 38 */
    "[account \"gmail\"]\n"                                                /* 39 */
    "url = imaps://imap.gmail.com\n"                                       /* 40 */
    "username = marie@gmail.example\n"                                     /* 41 */
    "auth = xoauth2\n"                                                     /* 42 */
    "token_command = /usr/bin/oauth2 --user \"marie dupont\"\n"            /* 43 */
    "\n"                                                                   /* 44 */
    "[account \"perso\"]\n"                                                /* 45 */
    "url = imaps://imap.perso.example:10993\n"                             /* 46 */
    "username = marie\n"                                                   /* 47 */
    "password_file = /etc/redflagd/perso.pass\n"                           /* 48 */
    "folders = Archive, INBOX\n"                                           /* 49 */
    "\n"                                                                   /* 50 */
    "[thresholds]\n"                                                       /* 51 */
    "pink.score = 35\n"                                                    /* 52 */
    "red.score = 65\n"                                                     /* 53 */
    "cooldown_days = 3\n"                                                  /* 54 */
    "volume.burst = 2.5\n"                                                 /* 55 */
    "volume.weight = 21\n"                                                 /* 56 */
    "volume.pink = 9\n"                                                    /* 57 */
    "volume.red = 16\n"                                                    /* 58 */
    "out_of_window.weight = 22\n"                                          /* 59 */
    "out_of_window.pink = 5\n"                                             /* 60 */
    "out_of_window.red = 9\n"                                              /* 61 */
    "after_hours.weight = 11\n"                                            /* 62 */
    "after_hours.pink = 4\n"                                               /* 63 */
    "after_hours.red = 7\n"                                                /* 64 */
    "negative_tone.weight = 26\n"                                          /* 65 */
    "negative_tone.pink = 0.35\n"                                          /* 66 */
    "negative_tone.red = 0.55\n"                                           /* 67 */
    "feedback_imbalance.weight = 12\n"                                     /* 68 */
    "feedback_imbalance.pink = 3.5\n"                                      /* 69 */
    "feedback_imbalance.red = 6.5\n"                                       /* 70 */
    "doubt.weight = 16\n"                                                  /* 71 */
    "doubt.pink = 3\n"                                                     /* 72 */
    "doubt.red = 5\n"                                                      /* 73 */
    "pressure.weight = 17\n"                                               /* 74 */
    "pressure.pink = 3\n"                                                  /* 75 */
    "pressure.red = 6\n"                                                   /* 76 */
    "abuse.weight = 50\n"                                                  /* 77 */
    "abuse.pink = 1\n"                                                     /* 78 */
    "abuse.red = 2\n"                                                      /* 79 */
    "payment.weight = 18\n"                                                /* 80 */
    "payment.pink = 2\n"                                                   /* 81 */
    "payment.red = 4\n"                                                    /* 82 */
    "cost.weight = 19\n"                                                   /* 83 */
    "cost.pink = 30\n"                                                     /* 84 */
    "cost.red = 10\n"                                                      /* 85 */
    "\n"                                                                   /* 86 */
    "[client \"acme\"]\n"                                                  /* 87 */
    "name = ACME SARL\n"                                                   /* 88 */
    "addresses = Jean@ACME.example, *@acme.example\n"                      /* 89 */
    "meetings = tue 10:00-11:00, thu 14:00-15:30\n"                        /* 90 */
    "timezone = America/New_York\n"                                        /* 91 */
    "revenue_per_month = 1500\n"                                           /* 92 */
    "minutes_per_message = 7.5\n"                                          /* 93 */
    "volume.red = 12\n"                                                    /* 94 */
    "pink.score = 30\n"                                                    /* 95 */
    "\n"                                                                   /* 96 */
    "[client \"bistro\"]\n"                                                /* 97 */
    "addresses = paul@bistro.example\n";                                   /* 98 */

static void test_full_round_trip(void **state)
{
	struct diag d = {};
	struct conf *c = NULL;
	const struct conf_account *a;
	const struct conf_client *cl;
	int r = parse(full_config, &c, &d);

	if (r != 0)
		dump(&d);
	assert_int_equal(r, 0);
	assert_null(d.lines);
	assert_string_equal(c->path, FILE_NAME);

	assert_string_equal(c->database, "/srv/redflagd/rf.db");
	assert_int_equal(c->poll_interval, 120);
	assert_int_equal(c->backfill_days, 30);
	assert_int_equal(c->retention_days, 200);
	assert_false(c->store_evidence);
	assert_string_equal(c->user, "redflagd");
	assert_string_equal(c->lexicon_dir, "/usr/share/redflagd/lexicon");

	assert_string_equal(c->owner_name, "Marie Dupont");
	assert_string_equal(c->owner_email, "marie@studio.example");
	assert_int_equal(strv_length(c->owner_addresses), 2);
	assert_string_equal(c->owner_addresses[0], "marie@studio.example");
	assert_string_equal(c->owner_addresses[1], "contact@studio.example");
	assert_string_equal(c->owner_language, "fr");
	assert_string_equal(c->owner_timezone, "Europe/Paris");
	assert_non_null(c->owner_tz);
	assert_int_equal(c->business_hours.n, 2);
	assert_int_equal(c->business_hours.v[0].days, 0x0f);
	assert_int_equal(c->business_hours.v[0].start, 510);
	assert_int_equal(c->business_hours.v[1].end, 720);
	assert_true(c->min_hourly_rate == 45.5);

	assert_true(c->has_smtp);
	assert_string_equal(c->smtp_url.url, "smtps://mail.studio.example");
	assert_string_equal(c->smtp_url.scheme, "smtps");
	assert_string_equal(c->smtp_url.host, "mail.studio.example");
	assert_int_equal(c->smtp_url.port, 465);
	assert_true(c->smtp_url.implicit_tls);
	assert_int_equal(c->smtp_tls, TLS_REQUIRED);
	assert_string_equal(c->smtp_ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(c->smtp_username, "marie@studio.example");
	assert_string_equal(c->smtp_secret.credential, "smtp");
	assert_null(c->smtp_secret.file);
	assert_null(c->smtp_secret.command);
	assert_int_equal(c->smtp_secret.line, 25);
	assert_string_equal(c->smtp_from, "Studio #2 <alerts@studio.example>");
	assert_int_equal(c->smtp_retry_min, 90);

	assert_int_equal(c->n_accounts, 3);
	a = conf_find_account(c, "work");
	assert_non_null(a);
	assert_int_equal(a->line, 29);
	assert_string_equal(a->url.scheme, "imap");
	assert_string_equal(a->url.host, "::1");
	assert_int_equal(a->url.port, 1143);
	assert_false(a->url.implicit_tls);
	assert_int_equal(a->tls, TLS_NONE);
	assert_string_equal(a->ca_file, "/etc/redflagd/ca.pem");
	assert_string_equal(a->username, "marie");
	assert_int_equal(a->auth, AUTH_LOGIN);
	assert_int_equal(strv_length(a->secret.command), 3);
	assert_string_equal(a->secret.command[0], "pass");
	assert_string_equal(a->secret.command[1], "show");
	assert_string_equal(a->secret.command[2], "mail/work account");
	assert_int_equal(a->secret.line, 35);
	assert_int_equal(strv_length(a->folders), 2);
	assert_string_equal(a->folders[1], "Clients/*");
	assert_int_equal(strv_length(a->idle_folders), 2);
	assert_string_equal(a->idle_folders[1], "Clients/Acme");

	a = conf_find_account(c, "gmail");
	assert_non_null(a);
	assert_int_equal(a->auth, AUTH_XOAUTH2);
	assert_int_equal(a->url.port, 993);
	assert_true(a->url.implicit_tls);
	assert_int_equal(a->tls, TLS_REQUIRED);
	assert_null(a->ca_file);
	assert_int_equal(strv_length(a->secret.command), 3);
	assert_string_equal(a->secret.command[2], "marie dupont");
	/* defaults: INBOX, watched with IDLE */
	assert_int_equal(strv_length(a->folders), 1);
	assert_string_equal(a->folders[0], "INBOX");
	assert_int_equal(strv_length(a->idle_folders), 1);
	assert_string_equal(a->idle_folders[0], "INBOX");

	a = conf_find_account(c, "perso");
	assert_non_null(a);
	assert_int_equal(a->url.port, 10993);
	assert_string_equal(a->secret.file, "/etc/redflagd/perso.pass");
	assert_string_equal(a->idle_folders[0], "INBOX");
	assert_null(conf_find_account(c, "nope"));

	assert_true(c->th.pink_score == 35);
	assert_true(c->th.red_score == 65);
	assert_true(c->th.cooldown_days == 3);
	assert_true(c->th.volume_burst == 2.5);
	{
		static const double expect[_SYMBOL_MAX][3] = {
			{ 21, 9, 16 },    { 22, 5, 9 },   { 11, 4, 7 }, { 26, 0.35, 0.55 },
			{ 12, 3.5, 6.5 }, { 16, 3, 5 },   { 17, 3, 6 }, { 50, 1, 2 },
			{ 18, 2, 4 },     { 19, 30, 10 },
		};

		for (int s = 0; s < _SYMBOL_MAX; s++) {
			assert_true(c->th.sym[s].weight == expect[s][0]);
			assert_true(c->th.sym[s].pink == expect[s][1]);
			assert_true(c->th.sym[s].red == expect[s][2]);
		}
	}

	assert_int_equal(c->n_clients, 2);
	cl = conf_find_client(c, "acme");
	assert_non_null(cl);
	assert_int_equal(cl->line, 87);
	assert_string_equal(cl->name, "ACME SARL");
	assert_int_equal(strv_length(cl->addresses), 2);
	assert_string_equal(cl->addresses[0], "jean@acme.example");
	assert_string_equal(cl->addresses[1], "*@acme.example");
	assert_true(cl->has_meetings);
	assert_int_equal(cl->meetings.n, 2);
	assert_string_equal(cl->timezone, "America/New_York");
	assert_non_null(cl->tz);
	assert_true(cl->revenue_per_month == 1500);
	assert_true(cl->minutes_per_message == 7.5);
	assert_true(cl->th.sym[SYMBOL_VOLUME].red == 12);
	assert_true(cl->th.pink_score == 30);
	assert_true(cl->th.red_score == 65);            /* global */
	assert_true(cl->th.sym[SYMBOL_COST].red == 10); /* global */

	cl = conf_find_client(c, "bistro");
	assert_non_null(cl);
	assert_string_equal(cl->name, "bistro");           /* default: the id */
	assert_string_equal(cl->timezone, "Europe/Paris"); /* default: the owner's */
	assert_ptr_equal(cl->tz, c->owner_tz);
	assert_false(cl->has_meetings);
	assert_true(cl->minutes_per_message == 6);
	assert_true(cl->revenue_per_month == 0);
	assert_true(cl->th.sym[SYMBOL_VOLUME].red == 16);
	assert_null(conf_find_client(c, "nope"));

	conf_free(c);
	diag_done(&d);
}

static void test_defaults(void **state)
{
	struct diag d = {};
	struct conf *c = NULL;
	struct conf_thresholds th;

	assert_int_equal(parse("", &c, &d), 0);
	assert_string_equal(c->database, LOCALSTATEDIR "/lib/redflagd/redflagd.db");
	assert_int_equal(c->poll_interval, 300);
	assert_int_equal(c->backfill_days, 120);
	assert_int_equal(c->retention_days, 365);
	assert_true(c->store_evidence);
	assert_null(c->user);
	assert_null(c->lexicon_dir);
	assert_string_equal(c->owner_language, "en");
	assert_null(c->owner_timezone);
	assert_non_null(c->owner_tz);
	assert_int_equal(c->business_hours.n, 1);
	assert_int_equal(c->business_hours.v[0].days, 0x1f);
	assert_int_equal(c->business_hours.v[0].start, 540);
	assert_int_equal(c->business_hours.v[0].end, 1080);
	assert_false(c->has_smtp);
	assert_int_equal(c->smtp_retry_min, 60);
	assert_null(c->smtp_from);
	assert_int_equal(strv_length(c->owner_addresses), 0);
	assert_int_equal(c->n_accounts, 0);
	assert_int_equal(c->n_clients, 0);
	conf_free(c);
	c = NULL;

	conf_thresholds_default(&th);
	assert_true(th.pink_score == 40 && th.red_score == 70 && th.cooldown_days == 7);
	assert_true(th.volume_burst == 2.0);
	assert_true(th.sym[SYMBOL_VOLUME].pink == 8 && th.sym[SYMBOL_VOLUME].red == 15 &&
		    th.sym[SYMBOL_VOLUME].weight == 20);
	assert_true(th.sym[SYMBOL_OUT_OF_WINDOW].pink == 4 &&
		    th.sym[SYMBOL_OUT_OF_WINDOW].red == 8 &&
		    th.sym[SYMBOL_OUT_OF_WINDOW].weight == 20);
	assert_true(th.sym[SYMBOL_AFTER_HOURS].pink == 3 && th.sym[SYMBOL_AFTER_HOURS].red == 6 &&
		    th.sym[SYMBOL_AFTER_HOURS].weight == 10);
	assert_true(th.sym[SYMBOL_NEGATIVE_TONE].pink == 0.3 &&
		    th.sym[SYMBOL_NEGATIVE_TONE].red == 0.5 &&
		    th.sym[SYMBOL_NEGATIVE_TONE].weight == 25);
	assert_true(th.sym[SYMBOL_FEEDBACK_IMBALANCE].pink == 3 &&
		    th.sym[SYMBOL_FEEDBACK_IMBALANCE].red == 6 &&
		    th.sym[SYMBOL_FEEDBACK_IMBALANCE].weight == 10);
	assert_true(th.sym[SYMBOL_DOUBT].pink == 2 && th.sym[SYMBOL_DOUBT].red == 4 &&
		    th.sym[SYMBOL_DOUBT].weight == 15);
	assert_true(th.sym[SYMBOL_PRESSURE].pink == 2 && th.sym[SYMBOL_PRESSURE].red == 4 &&
		    th.sym[SYMBOL_PRESSURE].weight == 15);
	assert_true(th.sym[SYMBOL_ABUSE].pink == 1 && th.sym[SYMBOL_ABUSE].red == 1 &&
		    th.sym[SYMBOL_ABUSE].weight == 40);
	assert_true(th.sym[SYMBOL_PAYMENT].pink == 1 && th.sym[SYMBOL_PAYMENT].red == 3 &&
		    th.sym[SYMBOL_PAYMENT].weight == 15);
	assert_true(isnan(th.sym[SYMBOL_COST].pink) && isnan(th.sym[SYMBOL_COST].red));
	assert_true(th.sym[SYMBOL_COST].weight == 15);

	/* [owner] email alone: it is the owner's address and the sender */
	assert_int_equal(
	    parse("[owner]\nemail = marie@studio.example\n[smtp]\nurl = smtp://localhost:2525\n"
		  "tls = none\n",
		  &c, &d),
	    0);
	assert_int_equal(strv_length(c->owner_addresses), 1);
	assert_string_equal(c->owner_addresses[0], "marie@studio.example");
	assert_string_equal(c->smtp_from, "redflagd <marie@studio.example>");
	assert_int_equal(c->smtp_url.port, 2525);
	assert_int_equal(c->smtp_tls, TLS_NONE);
	conf_free(c);
	diag_done(&d);
}

static void test_syntax(void **state)
{
	/* comments, blank lines, white space, CRLF, a BOM, quoting */
	struct diag d = {};
	struct conf *c = NULL;
	static const char text[] = "\xEF\xBB\xBF# comment\r\n"
				   "   # indented comment\n"
				   "\n"
				   "  [owner]   # trailing comment\r\n"
				   "\tname   =   Marie   Dupont   # a comment\n"
				   "email=marie@studio.example#not-a-comment\n"
				   "[client \"x\"]\n"
				   "name = \"A \\\"quoted\\\" # name\"\n"
				   "addresses = a@b.example\n";

	assert_int_equal(conf_parse(FILE_NAME, text, sizeof(text) - 1, &c, &d), 1);
	/* '#' not after a space is part of the value, and then the address is bad */
	assert_non_null(
	    strstr(d.lines[0], FILE_NAME ":6: email: 'marie@studio.example#not-a-comment'"));
	assert_string_equal(c->owner_name, "Marie   Dupont");
	assert_string_equal(c->clients[0].name, "A \"quoted\" # name");
	conf_free(c);
	diag_done(&d);

	/* the last line without a newline still counts */
	expect_one("[daemon]\npoll_interval = x", 2, "bad value 'x' for poll_interval");
	/* the same file twice into one diag: counts are per call */
	expect_ok("[daemon]\n\n\n");
}

static void test_errors(void **state)
{
	/* sections */
	expect_one("[daemon]\n[foo]\nx = 1\n", 2, "unknown section [foo]");
	expect_one("[account]\nurl = x\n", 1, "[account] needs a name: [account \"NAME\"]");
	expect_one("[client]\n", 1, "[client] needs a name");
	expect_one("[daemon \"x\"]\n", 1, "[daemon] takes no name");
	expect_one("[owner\nname = x\n", 1, "bad section header '[owner'");
	expect_one("[client \"a b\"]\n", 1, "bad client name 'a b'");
	expect_one("[client \"acme\"\n", 1, "bad section header");
	expect_one("[owner] x\n", 1, "bad section header");
	expect_one("poll_interval = 5\n[daemon]\n", 1,
		   "key 'poll_interval' outside of any section");
	expect_one(ACCOUNT_OK "[account \"work\"]\nurl = x\n", 5,
		   "duplicate account 'work' (first defined at line 1)");
	expect_one("[client \"acme\"]\naddresses = a@acme.example\n[client \"acme\"]\naddresses = "
		   "b@x.example\n",
		   3, "duplicate client 'acme' (first defined at line 1)");

	/* keys */
	expect_one("[account \"work\"]\nurl = imaps://imap.example.com\nusername = m\n"
		   "password_file = /etc/x\npasword = y\n",
		   5, "unknown key 'pasword' in [account \"work\"]");
	expect_one("[daemon]\nVolume.red = 3\n", 2, "unknown key 'Volume.red' in [daemon]");
	expect_one("[thresholds]\nVOLUME.red = 3\n", 2, "(keys are lower case: 'volume.red')");
	expect_one("[smtp]\nurl = smtp://localhost\ntls = none\nemail = "
		   "x@y.example\n[owner]\nemail = m@s.example\n",
		   4, "unknown key 'email' in [smtp] (it belongs in [owner])");
	expect_one("[owner]\npassword = hunter2\n", 2, "a secret never goes in this file");
	expect_one("[daemon]\npoll_interval = 10\npoll_interval = 20\n", 3,
		   "duplicate key 'poll_interval' in [daemon] (first set at line 2)");
	expect_one("[daemon]\npoll_interval = 10\n[owner]\n[daemon]\npoll_interval = 20\n", 5,
		   "duplicate key 'poll_interval' in [daemon] (first set at line 2)");
	expect_one("[daemon]\npoll_interval 10\n", 2, "missing '=' in 'poll_interval 10'");
	expect_one("[daemon]\n= 10\n", 2, "missing key before '='");
	expect_one("[daemon]\nuser =\n", 2, "missing value for 'user'");
	expect_one("[daemon]\nuser = # only a comment\n", 2, "missing value for 'user'");
	expect_one("[owner]\nname = \"unterminated\n", 2, "unterminated quoted value");
	expect_one("[owner]\nname = \"x\" y\n", 2, "unexpected text after the closing quote");
	expect_one("[owner]\nname = a\x01z\n", 2, "control character in the value");

	/* numbers and booleans */
	expect_one("[daemon]\npoll_interval = abc\n", 2,
		   "bad value 'abc' for poll_interval: expected a whole number from 1 to 86400");
	expect_one("[daemon]\npoll_interval = -5\n", 2, "bad value '-5' for poll_interval");
	expect_one("[daemon]\npoll_interval = 0\n", 2, "bad value '0' for poll_interval");
	expect_one("[daemon]\nbackfill_days = 1.5\n", 2, "bad value '1.5' for backfill_days");
	expect_one("[daemon]\nretention_days = 99999999999999999999\n", 2, "for retention_days");
	expect_one("[smtp]\nurl = smtp://localhost\ntls = none\nretry_min = 7200\n[owner]\nemail = "
		   "m@s.example\n",
		   4, "bad value '7200' for retry_min: expected a whole number from 1 to 3600");
	expect_one("[daemon]\nstore_evidence = maybe\n", 2,
		   "bad value 'maybe' for store_evidence: expected yes or no");
	expect_one("[owner]\nmin_hourly_rate = -40\n", 2,
		   "bad value '-40' for min_hourly_rate: must not be negative");
	expect_one("[owner]\nmin_hourly_rate = 4O\n", 2,
		   "bad value '4O' for min_hourly_rate: expected a number");
	expect_one("[client \"a\"]\naddresses = a@b.example\nrevenue_per_month = -3\n", 3,
		   "bad value '-3' for revenue_per_month: must not be negative");
	expect_one("[client \"a\"]\naddresses = a@b.example\nminutes_per_message = 0\n", 3,
		   "for minutes_per_message");
	expect_one("[thresholds]\npink.score = 101\n", 2,
		   "bad value '101' for pink.score: expected a number from 0 to 100");
	expect_one("[thresholds]\nvolume.red = -1\n", 2,
		   "bad value '-1' for volume.red: must not be negative");
	expect_one("[thresholds]\ncooldown_days = nan\n", 2, "bad value 'nan' for cooldown_days");
	expect_one("[client \"a\"]\naddresses = a@b.example\ncost.weight = -15\n", 3,
		   "bad value '-15' for cost.weight");
	expect_one("[daemon]\ndatabase = var/rf.db\n", 2, "expected an absolute path");
	expect_one("[daemon]\nuser = bad user\n", 2,
		   "bad value 'bad user' for user: expected a user name");
	expect_one("[owner]\nlanguage = de\n", 2, "bad value 'de' for language: expected fr or en");

	/* windows and zones */
	expect_one("[owner]\nbusiness_hours = mnо 10:00-11:00\n", 2,
		   "bad business_hours: bad day 'mnо' in 'mnо 10:00-11:00'");
	expect_one("[client \"a\"]\naddresses = a@b.example\nmeetings = tue 10:00-10:00\n", 3,
		   "bad meetings: empty window");
	expect_one("[owner]\ntimezone = Europe/Pariss\n", 2, "unknown time zone 'Europe/Pariss'");
	expect_one("[client \"a\"]\naddresses = a@b.example\ntimezone = Mars/Olympus\n", 3,
		   "unknown time zone 'Mars/Olympus'");
}

static void test_errors_servers(void **state)
{
	/* URLs */
	expect_one(ACCOUNT_OK "[account \"b\"]\nurl = https://imap.example.com\nusername = m\n"
			      "password_file = /x\n",
		   6, "bad url 'https://imap.example.com': unsupported scheme 'https'");
	expect_one(
	    "[account \"b\"]\nurl = smtp://imap.example.com\nusername = m\npassword_file = /x\n", 2,
	    "unsupported scheme 'smtp' (use imaps:// or imap://)");
	expect_one("[account \"b\"]\nurl = imap.example.com\nusername = m\npassword_file = /x\n", 2,
		   "bad url 'imap.example.com': expected imaps://HOST[:PORT]");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com/INBOX\nusername = "
		   "m\npassword_file = /x\n",
		   2, "no path");
	expect_one("[account \"b\"]\nurl = imaps://marie@imap.example.com\nusername = "
		   "m\npassword_file = /x\n",
		   2, "no user name in the URL");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com:0\nusername = m\npassword_file = /x\n",
	    2, "bad port '0'");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com:99999\nusername = "
		   "m\npassword_file = /x\n",
		   2, "bad port '99999'");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com:\nusername = m\npassword_file = /x\n",
	    2, "bad port ''");
	expect_one("[account \"b\"]\nurl = imaps://[::1\nusername = m\npassword_file = /x\n", 2,
		   "missing ']'");
	expect_one(
	    "[account \"b\"]\nurl = imaps://[fe80::zz]:993\nusername = m\npassword_file = /x\n", 2,
	    "bad IPv6 address 'fe80::zz'");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap_x.example.com\nusername = m\npassword_file = /x\n",
	    2, "bad host name");
	expect_one("[account \"b\"]\nurl = imaps://\nusername = m\npassword_file = /x\n", 2,
		   "missing host");
	expect_one("[smtp]\nurl = imaps://mail.example.com\n[owner]\nemail = m@s.example\n", 2,
		   "unsupported scheme 'imaps' (use smtps:// or smtp://)");
	expect_ok(
	    "[account \"b\"]\nurl = IMAPS://IMAP.Example.COM/\nusername = m\npassword_file = /x\n");
	expect_ok("[account \"b\"]\nurl = imap://127.0.0.1:1143\ntls = none\nusername = "
		  "m\npassword_file = /x\n");
	expect_ok("[account \"b\"]\nurl = imap://localhost\ntls = none\nusername = "
		  "m\npassword_file = /x\n");

	/* TLS */
	expect_one(
	    "[account \"b\"]\nurl = imap://imap.example.com\ntls = none\nusername = "
	    "m\npassword_file = /x\n",
	    3,
	    "tls = none is only allowed for a loopback host (127.0.0.1, ::1, localhost), not "
	    "'imap.example.com'");
	expect_one("[account \"b\"]\ntls = none\nurl = imap://10.0.0.1\nusername = "
		   "m\npassword_file = /x\n",
		   2, "not '10.0.0.1'");
	expect_one(
	    "[smtp]\ntls = none\nurl = smtp://mail.example.com\n[owner]\nemail = m@s.example\n", 2,
	    "tls = none is only allowed for a loopback host");
	expect_one("[account \"b\"]\nurl = imaps://localhost\ntls = none\nusername = "
		   "m\npassword_file = /x\n",
		   3, "tls = none contradicts the imaps:// scheme");
	expect_one("[account \"b\"]\nurl = imaps://localhost\ntls = off\nusername = "
		   "m\npassword_file = /x\n",
		   3, "bad value 'off' for tls: expected required or none");

	/* secrets and accounts */
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\npassword_file = /x\n"
	    "password_command = pass show b\n",
	    5, "password_command conflicts with password_file (line 4)");
	expect_one(
	    "[smtp]\nurl = smtp://localhost\ntls = none\nusername = m\npassword_credential = smtp\n"
	    "password_file = /etc/p\n[owner]\nemail = m@s.example\n",
	    6, "password_file conflicts with password_credential (line 5)");
	expect_one("[account \"b\"]\nusername = m\npassword_file = /x\n", 1,
		   "[account \"b\"] has no url");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\npassword_file = /x\n", 1,
		   "[account \"b\"] has no username");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\n", 1,
		   "[account \"b\"] has no password_file, password_credential or password_command");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\nauth = xoauth2\n", 1,
	    "[account \"b\"] has auth = xoauth2 but no token_command");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\nauth = xoauth2\n"
		   "password_file = /x\n",
		   5, "auth = xoauth2 takes its token from token_command, not from password_file");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\ntoken_command = tok\n",
	    4, "token_command is only used with auth = xoauth2");
	expect_one(
	    "[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\npassword_file = /x\n"
	    "auth = kerberos\n",
	    5, "bad value 'kerberos' for auth: expected login or xoauth2");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\n"
		   "password_command = pass 'unterminated\n",
		   4, "bad password_command:");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\nusername = "
		   "m\npassword_credential = a/b\n",
		   4, "expected a credential name");
	expect_one("[account \"b\"]\nurl = imaps://imap.example.com\nusername = m\npassword_file = "
		   "x.pass\n",
		   4, "expected an absolute path");
	expect_one(ACCOUNT_OK "idle_folders = INBOX, A, B, C, D\n", 5,
		   "idle_folders names 5 folders: at most 4 can be watched with IDLE");
	expect_ok(ACCOUNT_OK "idle_folders = INBOX, A, B, C\nfolders = INBOX, A, B, C, D, E\n");
	expect_one(ACCOUNT_OK "folders = ,\n", 5,
		   "bad value ',' for folders: expected folder names");

	/* [smtp] */
	expect_one("[smtp]\nurl = smtp://localhost\ntls = none\n", 1, "alerts need [owner] email");
	expect_one("[owner]\nemail = m@s.example\n[smtp]\ntls = required\n", 3,
		   "[smtp] has no url");
	expect_one(
	    "[owner]\nemail = m@s.example\n[smtp]\nurl = smtp://mail.example.com\nusername = m\n",
	    5, "[smtp] username needs a password_file, password_credential or password_command");
	expect_one("[owner]\nemail = m@s.example\n[smtp]\nurl = smtp://mail.example.com\n"
		   "password_credential = smtp\n",
		   5, "[smtp] password_credential needs a username");
	expect_one(
	    "[owner]\nemail = m@s.example\n[smtp]\nurl = smtp://mail.example.com\nfrom = nobody\n",
	    5, "bad value 'nobody' for from");
	expect_one("[owner]\nemail = m@s.example\n[smtp]\nurl = smtp://mail.example.com\nfrom = X "
		   "<a@b.example\n",
		   5, "bad value 'X <a@b.example' for from");
	expect_ok("[owner]\nemail = m@s.example\n[smtp]\nurl = smtp://mail.example.com\nfrom = "
		  "alerts@s.example\n");
}

static void test_errors_addresses(void **state)
{
	expect_one("[owner]\nemail = marie\n", 2, "email: 'marie' is not an email address");
	expect_one("[owner]\nemail = *@studio.example\n", 2, "is not an email address");
	expect_one("[owner]\naddresses = marie@studio.example, bad\n", 2,
		   "addresses: 'bad' is not an email address or a *@domain pattern");
	expect_one("[client \"a\"]\naddresses = jean@acme.example, jean.acme.example\n", 2,
		   "'jean.acme.example' is not an email address or a *@domain pattern");
	expect_one("[client \"a\"]\naddresses = je an@acme.example\n", 2,
		   "is not an email address");
	expect_one("[client \"a\"]\naddresses = jean*@acme.example\n", 2,
		   "is not an email address");
	expect_one("[client \"a\"]\naddresses = jean@acme..example\n", 2,
		   "is not an email address");
	expect_one("[client \"a\"]\naddresses = jean@\n", 2, "is not an email address");
	expect_one("[client \"a\"]\naddresses = a@b.example, A@B.example\n", 2,
		   "'a@b.example' is listed twice");
	expect_one("[client \"a\"]\nname = A\n", 1, "[client \"a\"] has no addresses");
	/* two clients, same address: the second occurrence, naming the first */
	expect_one(
	    "[client \"acme\"]\naddresses = jean@acme.example\n\n"
	    "[client \"other\"]\nname = Other\naddresses = x@other.example, Jean@Acme.example\n",
	    6, "address 'jean@acme.example' is already used by client 'acme' (line 2)");
	expect_one("[client \"acme\"]\naddresses = *@acme.example\n"
		   "[client \"other\"]\naddresses = *@ACME.example\n",
		   4, "pattern '*@acme.example' is already used by client 'acme' (line 2)");
	/* an exact address and a pattern of the same domain is no conflict */
	expect_ok("[client \"acme\"]\naddresses = *@acme.example\n[client \"jean\"]\naddresses = "
		  "jean@acme.example\n");
	/* owner addresses are never a client's */
	expect_one("[owner]\naddresses = marie@studio.example\n[client \"a\"]\naddresses = "
		   "Marie@studio.example\n",
		   4, "address 'marie@studio.example' is one of the [owner] addresses");
	expect_one("[client \"a\"]\naddresses = marie@studio.example\n[owner]\nemail = "
		   "marie@studio.example\n",
		   2, "is one of the [owner] addresses");
	expect_one(
	    "[owner]\naddresses = *@studio.example\n[client \"a\"]\naddresses = "
	    "bob@studio.example\n",
	    4, "address 'bob@studio.example' is covered by the [owner] pattern '*@studio.example'");
	expect_one(
	    "[owner]\naddresses = *@studio.example\n[client \"a\"]\naddresses = *@studio.example\n",
	    4, "pattern '*@studio.example' is one of the [owner] addresses");
}

static void test_errors_bytes(void **state)
{
	struct diag d = {};
	struct conf *c = NULL;
	char *longline;

	/* NUL byte */
	{
		static const char text[] = "[daemon]\nuser = a\0b\n";

		assert_int_equal(conf_parse(FILE_NAME, text, sizeof(text) - 1, &c, &d), 1);
		assert_string_equal(d.lines[0], FILE_NAME ":2: NUL byte in line");
		c = conf_free(c);
		diag_done(&d);
	}
	expect_one("[owner]\nname = \xff\xfe\n", 2, "invalid UTF-8");
	expect_one("[owner]\nname = \xc3\n", 2, "invalid UTF-8");
	expect_ok("[owner]\nname = Hélène Dupré\n");
	/* line of 4097 bytes */
	longline = malloc(4200);
	assert_non_null(longline);
	memcpy(longline, "[owner]\nname = ", 15);
	memset(longline + 15, 'x', 4200 - 15);
	memcpy(longline + 8 + 4097, "\n", 2);
	expect_one(longline, 2, "line longer than 4096 bytes");
	/* 4096 bytes is fine */
	memcpy(longline + 8 + 4096, "\n", 2);
	expect_ok(longline);
	free(longline);
}

static void test_three_mistakes(void **state)
{
	struct diag d = {};
	struct conf *c = NULL;
	static const char text[] = "[daemon]\n"
				   "poll_interval = soon\n" /* 2 */
				   "[owner]\n"
				   "email = marie@studio.example\n"
				   "languge = fr\n" /* 5 */
				   "[client \"acme\"]\n"
				   "addresses = jean@acme.example\n"
				   "meetings = tue 10:00-11:00\n"
				   "timezone = Europe/Paris\n"
				   "volume.red = lots\n"; /* 10 */

	assert_int_equal(parse(text, &c, &d), 3);
	assert_int_equal(d.n_errors, 3);
	assert_int_equal(strv_length(d.lines), 3);
	assert_string_equal(d.lines[0],
			    FILE_NAME ":2: bad value 'soon' for poll_interval: expected a whole "
				      "number from 1 to 86400");
	assert_string_equal(d.lines[1], FILE_NAME ":5: unknown key 'languge' in [owner]");
	assert_string_equal(d.lines[2],
			    FILE_NAME ":10: bad value 'lots' for volume.red: expected a number "
				      "such as 12 or 0.5");
	/* the rest of the file is still read */
	assert_string_equal(c->owner_email, "marie@studio.example");
	assert_true(c->clients[0].has_meetings);
	conf_free(c);
	diag_done(&d);

	/* messages come out in line order, checks made after the file included */
	assert_int_equal(
	    parse("[account \"b\"]\nusername = m\npassword_file = /x\n[daemon]\nuser = -x\n", &c,
		  &d),
	    2);
	assert_non_null(strstr(d.lines[0], FILE_NAME ":1: "));
	assert_non_null(strstr(d.lines[1], FILE_NAME ":5: "));
	conf_free(c);
	diag_done(&d);
}

static void test_thresholds_override(void **state)
{
	/* the client comes BEFORE [thresholds]: its th is still the effective one */
	static const char before[] = "[client \"acme\"]\n"
				     "addresses = *@acme.example\n"
				     "volume.red = 12\n"
				     "cost.pink = 25\n"
				     "[client \"other\"]\n"
				     "addresses = *@other.example\n"
				     "[thresholds]\n"
				     "volume.red = 20\n"
				     "volume.pink = 10\n"
				     "red.score = 80\n";
	static const char after[] = "[thresholds]\n"
				    "volume.red = 20\n"
				    "volume.pink = 10\n"
				    "red.score = 80\n"
				    "[client \"acme\"]\n"
				    "addresses = *@acme.example\n"
				    "volume.red = 12\n"
				    "cost.pink = 25\n"
				    "[client \"other\"]\n"
				    "addresses = *@other.example\n";
	const char *texts[] = { before, after };

	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		struct diag d = {};
		struct conf *c = NULL;
		const struct conf_client *acme, *other;

		assert_int_equal(parse(texts[i], &c, &d), 0);
		acme = conf_find_client(c, "acme");
		other = conf_find_client(c, "other");
		assert_non_null(acme);
		assert_non_null(other);
		/* global */
		assert_true(c->th.sym[SYMBOL_VOLUME].red == 20);
		assert_true(c->th.sym[SYMBOL_VOLUME].pink == 10);
		assert_true(c->th.red_score == 80);
		assert_true(isnan(c->th.sym[SYMBOL_COST].pink));
		/* acme: its overrides, the global values for the rest */
		assert_true(acme->th.sym[SYMBOL_VOLUME].red == 12);
		assert_true(acme->th.sym[SYMBOL_VOLUME].pink == 10);
		assert_true(acme->th.red_score == 80);
		assert_true(acme->th.pink_score == 40);
		assert_true(acme->th.sym[SYMBOL_COST].pink == 25);
		assert_true(isnan(acme->th.sym[SYMBOL_COST].red));
		/* other: the global values */
		assert_true(other->th.sym[SYMBOL_VOLUME].red == 20);
		assert_true(other->th.red_score == 80);
		assert_true(isnan(other->th.sym[SYMBOL_COST].pink));
		conf_free(c);
		diag_done(&d);
	}
	/* a threshold key in [client] twice is a duplicate there, not globally */
	expect_one("[thresholds]\nvolume.red = 20\n[client \"a\"]\naddresses = "
		   "a@b.example\nvolume.red = 1\n"
		   "volume.red = 2\n",
		   6, "duplicate key 'volume.red' in [client \"a\"] (first set at line 5)");
}

static void test_attribution(void **state)
{
	struct diag d = {};
	struct conf *c = NULL;
	const struct conf_client *cl = (const void *) 1;
	static const char text[] = "[owner]\n"
				   "email = marie@studio.example\n"
				   "addresses = marie@studio.example, *@owner-only.example\n"
				   "[client \"acme\"]\n"
				   "addresses = *@acme.example\n"
				   "[client \"jean\"]\n"
				   "addresses = Jean@Acme.Example, jean@perso.example\n";

	assert_int_equal(parse(text, &c, &d), 0);

	/* exact beats the domain pattern, whatever the case */
	assert_int_equal(conf_classify_sender(c, "JEAN@acme.EXAMPLE", &cl), SENDER_CLIENT);
	assert_non_null(cl);
	assert_string_equal(cl->id, "jean");
	assert_int_equal(conf_classify_sender(c, "jean@perso.example", &cl), SENDER_CLIENT);
	assert_string_equal(cl->id, "jean");
	assert_int_equal(conf_classify_sender(c, "paul@acme.example", &cl), SENDER_CLIENT);
	assert_string_equal(cl->id, "acme");
	assert_int_equal(conf_classify_sender(c, "Paul@ACME.example", &cl), SENDER_CLIENT);
	assert_string_equal(cl->id, "acme");
	/* a subdomain is not the domain */
	assert_int_equal(conf_classify_sender(c, "paul@mail.acme.example", &cl), SENDER_UNKNOWN);
	assert_null(cl);

	/* the owner first, never a client */
	assert_int_equal(conf_classify_sender(c, "Marie@Studio.example", &cl), SENDER_OWNER);
	assert_null(cl);
	assert_int_equal(conf_classify_sender(c, "anyone@owner-only.example", NULL), SENDER_OWNER);

	/* unknown and junk */
	assert_int_equal(conf_classify_sender(c, "bob@elsewhere.example", &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(c, "", &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(c, NULL, &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(c, "no-at-sign", &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(c, "@acme.example", &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(c, "x@", &cl), SENDER_UNKNOWN);
	assert_int_equal(conf_classify_sender(NULL, "jean@acme.example", &cl), SENDER_UNKNOWN);
	{
		char big[400];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[10] = '@';
		assert_int_equal(conf_classify_sender(c, big, &cl), SENDER_UNKNOWN);
	}
	/* the index: exact addresses and domains */
	assert_int_equal(g_hash_table_size(c->by_address), 2);
	assert_int_equal(g_hash_table_size(c->by_domain), 1);
	conf_free(c);
	diag_done(&d);
}

static void test_loopback(void **state)
{
	static const char *const yes[] = { "127.0.0.1",       "127.1.2.3", "::1",
					   "[::1]",           "localhost", "LOCALHOST",
					   "::ffff:127.0.0.1" };
	static const char *const no[] = {
		"128.0.0.1", "10.0.0.1",        "::2", "localhost.example.com", "mail.example.com",
		"",          "126.255.255.255", "[::1"
	};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (!conf_host_is_loopback(yes[i]))
			fail_msg("'%s' should be loopback", yes[i]);
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (conf_host_is_loopback(no[i]))
			fail_msg("'%s' should not be loopback", no[i]);
	assert_false(conf_host_is_loopback(NULL));
}

/* --- conf_load(): the file system ------------------------------------ */

static char tmpdir[] = "/tmp/test-conf-XXXXXX";

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return test_tmpdir_remove(tmpdir);
}

static char *write_file(const char *name, const char *content, mode_t mode)
{
	return test_write_file(tmpdir, name, content, strlen(content), mode);
}

static int load(const char *path, struct diag *d)
{
	struct conf *c = NULL;
	int r = conf_load(path, &c, d);

	if (r >= 0)
		assert_non_null(c);
	conf_free(c);
	return r;
}

static void test_load_secret_files(void **state)
{
	_cleanup_free_ char *pass = write_file("work.pass", "secret\n", 0644);
	_cleanup_free_ char *text = strdup_printf("[owner]\n"
						  "email = marie@studio.example\n"
						  "[account \"work\"]\n"
						  "url = imaps://imap.example.com\n"
						  "username = marie\n"
						  "password_file = %s\n",
						  pass);
	_cleanup_free_ char *conf = write_file("redflagd.conf", text, 0644);
	_cleanup_free_ char *expected = NULL;
	struct diag d = {};

	/* world-readable password file */
	assert_int_equal(load(conf, &d), 1);
	expected = strdup_printf(
	    "%s:6: password_file '%s' is readable by everyone (mode 0644): chmod o-r it", conf,
	    pass);
	assert_string_equal(d.lines[0], expected);
	diag_done(&d);

	/* root:redflagd 0640 is fine (a file owned by the user running us too) */
	assert_int_equal(chmod(pass, 0640), 0);
	assert_int_equal(load(conf, &d), 0);
	assert_null(d.lines);

	/* owned by someone else */
	if (geteuid() == 0) {
		assert_int_equal(chown(pass, 65534, 65534), 0);
		assert_int_equal(load(conf, &d), 1);
		assert_non_null(strstr(d.lines[0], ":6: password_file '"));
		assert_non_null(strstr(d.lines[0], "is owned by"));
		diag_done(&d);
		assert_int_equal(chown(pass, 0, 0), 0);
	}

	/* missing file */
	assert_int_equal(unlink(pass), 0);
	assert_int_equal(load(conf, &d), 1);
	free(expected);
	expected = strdup_printf("%s:6: password_file '%s' does not exist", conf, pass);
	assert_string_equal(d.lines[0], expected);
	diag_done(&d);
}

static void test_load_commands_and_more(void **state)
{
	_cleanup_free_ char *conf = NULL, *expected = NULL;
	struct diag d = {};

	/* a config naming a command must itself be private */
	conf = write_file("cmd.conf",
			  "[account \"gmail\"]\n"
			  "url = imaps://imap.gmail.com\n"
			  "username = marie@gmail.example\n"
			  "auth = xoauth2\n"
			  "token_command = oauth2-token marie\n",
			  0644);
	assert_int_equal(load(conf, &d), 1);
	expected = strdup_printf(
	    "%s:5: token_command is set, so this file must be private: '%s' is readable "
	    "by everyone (mode 0644): chmod o-r it",
	    conf, conf);
	assert_string_equal(d.lines[0], expected);
	diag_done(&d);
	assert_int_equal(chmod(conf, 0600), 0);
	assert_int_equal(load(conf, &d), 0);
	free(conf);
	free(expected);

	/* the same without a command: a readable config is fine */
	conf = write_file("plain.conf", "[daemon]\npoll_interval = 60\n", 0644);
	assert_int_equal(load(conf, &d), 0);
	free(conf);

	/* ca_file must be readable, [daemon] user must exist */
	conf = write_file("ca.conf",
			  "[daemon]\n"
			  "user = no-such-user-redflagd\n"
			  "[account \"w\"]\n"
			  "url = imaps://imap.example.com\n"
			  "ca_file = /nonexistent/ca.pem\n"
			  "username = m\n"
			  "password_credential = w\n",
			  0644);
	assert_int_equal(load(conf, &d), 2);
	expected = strdup_printf("%s:2: user 'no-such-user-redflagd' does not exist", conf);
	assert_string_equal(d.lines[0], expected);
	free(expected);
	expected = strdup_printf(
	    "%s:5: ca_file '/nonexistent/ca.pem' cannot be read: No such file or directory", conf);
	assert_string_equal(d.lines[1], expected);
	diag_done(&d);
	free(conf);
	free(expected);

	/* [smtp] ca_file too; the user root exists */
	conf =
	    write_file("smtp.conf",
		       "[daemon]\nuser = root\n[owner]\nemail = m@s.example\n[smtp]\n"
		       "url = smtp://localhost\ntls = none\nca_file = /nonexistent/smtp-ca.pem\n",
		       0644);
	assert_int_equal(load(conf, &d), 1);
	expected = strdup_printf("%s:8: ca_file '/nonexistent/smtp-ca.pem' cannot be read", conf);
	assert_non_null(strstr(d.lines[0], expected));
	diag_done(&d);
	free(conf);
	free(expected);

	/* an unreadable file: one line, -errno */
	conf = strdup_printf("%s/missing.conf", tmpdir);
	assert_int_equal(load(conf, &d), -ENOENT);
	expected = strdup_printf("%s: cannot read: No such file or directory", conf);
	assert_int_equal(strv_length(d.lines), 1);
	assert_string_equal(d.lines[0], expected);
	diag_done(&d);
	assert_int_equal(load(tmpdir, &d), -EISDIR);
	diag_done(&d);
}

/* --- the shipped example ------------------------------------------- */

static char *replace_all(char *s, const char *from, const char *to)
{
	char **parts = g_strsplit(s, from, -1);
	char *joined = g_strjoinv(to, parts);
	char *r = strdup(joined);

	g_strfreev(parts);
	g_free(joined);
	free(s);
	return r;
}

static void test_example_config(void **state)
{
	const char *top = getenv("abs_top_srcdir");
	_cleanup_free_ char *path = NULL;
	char *text = NULL;
	struct diag d = {};
	struct conf *c = NULL;
	size_t len = 0;
	int r;

	if (!top)
		skip();
	path = strdup_printf("%s/etc/redflagd.conf.in", top);
	assert_int_equal(read_full_file(path, 1024 * 1024, &text, &len), 0);
	text = replace_all(text, "@localstatedir@", "/var");
	text = replace_all(text, "@sysconfdir@", "/etc");
	text = replace_all(text, "@pkgdatadir@", "/usr/share/redflagd");
	assert_non_null(text);
	assert_null(strstr(text, "dir@"));

	r = conf_parse("redflagd.conf", text, strlen(text), &c, &d);
	if (r != 0)
		dump(&d);
	assert_int_equal(r, 0);
	/* it is a real configuration, not an empty one */
	assert_true(c->has_smtp);
	assert_non_null(c->owner_email);
	assert_true(c->n_accounts >= 1);
	assert_true(c->n_clients >= 1);
	assert_non_null(conf_find_client(c, "acme"));
	assert_string_equal(c->database, "/var/lib/redflagd/redflagd.db");
	conf_free(c);
	diag_done(&d);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_round_trip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_servers),
		cmocka_unit_test(test_errors_addresses),
		cmocka_unit_test(test_errors_bytes),
		cmocka_unit_test(test_three_mistakes),
		cmocka_unit_test(test_thresholds_override),
		cmocka_unit_test(test_attribution),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_load_secret_files),
		cmocka_unit_test(test_load_commands_and_more),
		cmocka_unit_test(test_example_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
