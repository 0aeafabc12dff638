/* SPDX-License-Identifier: MIT */
/* Alert decisions, composition (parsed back with GMime), the outbox retry
 * delay, alert_process() against a real temporary store, and smtp_send() /
 * outbox_deliver_due() against a real aiosmtpd on 127.0.0.1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <gmime/gmime.h>

#include "alert.h"
#include "log.h"
#include "outbox.h"
#include "smtp.h"
#include "store.h"
#include "test-helpers.h"

#define NOW ((int64_t) 1795457640) /* 2026-11-23T18:14:00Z */
#define DAY SEC_PER_DAY

/* --- fixtures: a configuration and an evaluation built by hand ------------ */

struct fixture {
	struct conf c;
	struct conf_client client;
	struct client_eval ce;
	struct eval e;
};

static char *ev_volume[] = { "2026-11-23 07:02 (Mon)", "2026-11-22 23:40 (Sun)", NULL };
static char *ev_window[] = { "Sun 22 Nov 23:40, outside mon-fri 10:00-12:00", NULL };
static char *ev_tone[] = { "« vous êtes sûr ? c'est inadmissible »", "\"not happy at all\"", NULL };

static void fixture_init(struct fixture *f, const char *lang)
{
	*f = (struct fixture) {};
	f->c.owner_name = (char *) "Marie Dupont";
	f->c.owner_email = (char *) "marie@studio.example";
	f->c.owner_language = (char *) lang;
	f->c.owner_tz = g_time_zone_new_identifier("Europe/Paris");
	f->c.has_smtp = true;
	f->c.smtp_url.url = (char *) "smtp://127.0.0.1:1";
	f->c.smtp_tls = TLS_NONE;
	f->c.smtp_from = (char *) "redflagd <redflagd@studio.example>";
	f->c.smtp_retry_min = 60;

	f->client.id = (char *) "acme";
	f->client.name = (char *) "ACME SARL";
	f->client.has_meetings = true;
	f->client.th.pink_score = 40;
	f->client.th.red_score = 70;
	f->client.th.cooldown_days = 7;
	f->client.th.sym[SYMBOL_COST].pink = NAN;
	f->client.th.sym[SYMBOL_COST].red = NAN;

	f->ce.client = &f->client;
	f->ce.score = 85;
	f->ce.level = LEVEL_RED;
	f->ce.sym[SYMBOL_VOLUME] = (struct symbol_result) {
		.evaluated = true, .active = true, .red = true, .value = 16, .points = 40,
		.evidence = ev_volume,
	};
	f->ce.sym[SYMBOL_OUT_OF_WINDOW] = (struct symbol_result) {
		.evaluated = true, .active = true, .red = true, .value = 13, .points = 40,
		.evidence = ev_window,
	};
	f->ce.sym[SYMBOL_NEGATIVE_TONE] = (struct symbol_result) {
		.evaluated = true, .active = true, .red = false, .value = 0.42, .points = 25,
		.evidence = ev_tone,
	};
	f->ce.sym[SYMBOL_PAYMENT] = (struct symbol_result) { .evaluated = true, .value = 0 };
	f->ce.messages_7d = 16;
	f->ce.messages_30d = 18;
	f->ce.out_of_window_7d = 13;
	f->ce.after_hours_7d = 2;
	f->ce.negative_share_30d = 0.42;
	f->ce.negative_30d = 7;
	f->ce.positive_30d = 1;
	f->ce.weekly_median_8w = 4;

	f->e.now = NOW;
	f->e.clients = &f->ce;
	f->e.n_clients = 1;
}

static void fixture_done(struct fixture *f)
{
	if (f->c.owner_tz)
		g_time_zone_unref(f->c.owner_tz);
	f->c.owner_tz = NULL;
}

static void set_level(struct client_eval *ce, enum level l, int score)
{
	ce->level = l;
	ce->score = score;
	for (enum symbol i = 0; i < _SYMBOL_MAX; i++) {
		ce->sym[i].active = false;
		ce->sym[i].red = false;
	}
	if (l >= LEVEL_PINK)
		ce->sym[SYMBOL_VOLUME].active = true;
	if (l == LEVEL_RED)
		ce->sym[SYMBOL_VOLUME].red = true;
}

/* --- alert_decide ------------------------------------------------------------- */

static void test_decide_table(void **state)
{
	static const struct {
		const char *what;
		bool has_prev;
		enum level alerted;
		int64_t alerted_ago; /* seconds before NOW */
		const char *alerted_red;
		enum level now_level;
		const char *now_red; /* red symbols now: "V" VOLUME, "A" ABUSE */
		enum alert_kind want;
	} t[] = {
		{ "prev NULL, none", false, LEVEL_NONE, 0, "", LEVEL_NONE, "", ALERT_NONE },
		{ "prev NULL, pink", false, LEVEL_NONE, 0, "", LEVEL_PINK, "", ALERT_RAISE },
		{ "prev NULL, red", false, LEVEL_NONE, 0, "", LEVEL_RED, "V", ALERT_RAISE },
		{ "none -> none", true, LEVEL_NONE, 0, "", LEVEL_NONE, "", ALERT_NONE },
		{ "none -> pink", true, LEVEL_NONE, 0, "", LEVEL_PINK, "", ALERT_RAISE },
		{ "none -> red", true, LEVEL_NONE, 0, "", LEVEL_RED, "V", ALERT_RAISE },
		{ "pink -> pink in cooldown", true, LEVEL_PINK, 2 * DAY, "", LEVEL_PINK, "", ALERT_NONE },
		{ "pink -> pink after cooldown", true, LEVEL_PINK, 8 * DAY, "", LEVEL_PINK, "", ALERT_RAISE },
		{ "pink -> pink at cooldown end", true, LEVEL_PINK, 7 * DAY, "", LEVEL_PINK, "", ALERT_RAISE },
		{ "pink -> red", true, LEVEL_PINK, 1 * DAY, "", LEVEL_RED, "V", ALERT_RAISE },
		{ "red -> red same symbols", true, LEVEL_RED, 1 * DAY, "VOLUME", LEVEL_RED, "V", ALERT_NONE },
		{ "red -> red new red symbol", true, LEVEL_RED, 1 * DAY, "VOLUME", LEVEL_RED, "VA", ALERT_RAISE },
		{ "red -> red fewer red symbols", true, LEVEL_RED, 1 * DAY, "ABUSE,VOLUME", LEVEL_RED, "V", ALERT_NONE },
		{ "red -> red after cooldown", true, LEVEL_RED, 9 * DAY, "VOLUME", LEVEL_RED, "V", ALERT_RAISE },
		{ "red -> pink in cooldown", true, LEVEL_RED, 1 * DAY, "VOLUME", LEVEL_PINK, "", ALERT_NONE },
		{ "red -> pink after cooldown", true, LEVEL_RED, 10 * DAY, "VOLUME", LEVEL_PINK, "", ALERT_RAISE },
		{ "red -> none after alert", true, LEVEL_RED, 1 * DAY, "VOLUME", LEVEL_NONE, "", ALERT_RECOVERED },
		{ "pink -> none after alert", true, LEVEL_PINK, 20 * DAY, "", LEVEL_NONE, "", ALERT_RECOVERED },
		{ "none -> none after recovered", true, LEVEL_NONE, 1 * DAY, "", LEVEL_NONE, "", ALERT_NONE },
	};
	struct fixture f;

	fixture_init(&f, "en");
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct alert_state prev = {
			.client_id = (char *) "acme",
			.level = t[i].alerted,
			.alerted_level = t[i].alerted,
			.alerted_at = t[i].alerted == LEVEL_NONE && t[i].alerted_ago == 0
					      ? 0
					      : NOW - t[i].alerted_ago,
			.alerted_red = (char *) t[i].alerted_red,
		};
		enum alert_kind k;

		set_level(&f.ce, t[i].now_level, t[i].now_level == LEVEL_RED ? 80 : 45);
		f.ce.sym[SYMBOL_VOLUME].red = strchr(t[i].now_red, 'V') != NULL;
		if (strchr(t[i].now_red, 'A')) {
			f.ce.sym[SYMBOL_ABUSE].active = true;
			f.ce.sym[SYMBOL_ABUSE].red = true;
		}
		k = alert_decide(t[i].has_prev ? &prev : NULL, &f.ce, 7, NOW);
		if (k != t[i].want)
			print_error("case '%s': got %s, want %s\n", t[i].what,
				    alert_kind_to_string(k), alert_kind_to_string(t[i].want));
		assert_int_equal(k, t[i].want);
	}
	assert_int_equal(alert_decide(NULL, NULL, 7, NOW), ALERT_NONE);
	assert_string_equal(alert_kind_to_string(ALERT_RAISE), "alert");
	assert_string_equal(alert_kind_to_string(ALERT_RECOVERED), "recovered");
	assert_string_equal(alert_kind_to_string(ALERT_TEST), "test");
	assert_null(alert_kind_to_string(_ALERT_KIND_MAX));
	fixture_done(&f);
}

/* --- alert_compose, parsed back with GMime ------------------------------------- */

struct parsed {
	GMimeMessage *m;
	char *body; /* decoded text, UTF-8 */
};

static void parse_payload(const char *payload, size_t len, struct parsed *ret)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(payload, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeObject *body;

	ret->m = g_mime_parser_construct_message(parser, NULL);
	assert_non_null(ret->m);
	body = g_mime_message_get_body(ret->m);
	assert_non_null(body);
	assert_true(GMIME_IS_TEXT_PART(body));
	ret->body = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	assert_non_null(ret->body);
	assert_true(g_utf8_validate(ret->body, -1, NULL));
	g_object_unref(parser);
	g_object_unref(stream);
}

static void parsed_done(struct parsed *p)
{
	g_free(p->body);
	if (p->m)
		g_object_unref(p->m);
	*p = (struct parsed) {};
}

static const char *header(struct parsed *p, const char *name)
{
	return g_mime_object_get_header(GMIME_OBJECT(p->m), name);
}

/* CRLF line ends only, 7-bit only (QP body, RFC 2047 headers), lines <= 998. */
static void assert_wire_format(const char *payload, size_t len)
{
	size_t line = 0;

	assert_true(len > 2);
	assert_memory_equal(payload + len - 2, "\r\n", 2);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) payload[i];

		assert_true(ch != 0 && ch < 0x80);
		if (ch == '\n') {
			assert_true(i > 0 && payload[i - 1] == '\r');
			line = 0;
			continue;
		}
		if (ch == '\r')
			assert_true(i + 1 < len && payload[i + 1] == '\n');
		assert_true(++line <= 998);
	}
}

static void compose(const struct fixture *f, enum alert_kind kind, char **ret_id, char **ret_payload,
		    size_t *ret_len)
{
	int r = alert_compose(&f->c, kind == ALERT_TEST ? NULL : &f->ce, kind, NOW, ret_id,
			      ret_payload, ret_len);
	assert_int_equal(r, 0);
	assert_non_null(*ret_id);
	assert_non_null(*ret_payload);
	assert_int_equal(strlen(*ret_payload), *ret_len);
	assert_wire_format(*ret_payload, *ret_len);
}

static void assert_contains(const char *hay, const char *needle)
{
	assert_non_null(hay);
	if (!strstr(hay, needle)) {
		print_error("'%s' not found in:\n%s\n", needle, hay);
		fail();
	}
}

static void test_compose_en(void **state)
{
	_cleanup_free_ char *id = NULL, *payload = NULL;
	_cleanup_free_ char *expect_prefix = NULL;
	struct parsed p = {};
	struct fixture f;
	InternetAddressList *to;
	GDateTime *date;
	GMimeObject *body;
	const char *mid;
	size_t len;
	char *to_s;

	fixture_init(&f, "en");
	compose(&f, ALERT_RAISE, &id, &payload, &len);
	parse_payload(payload, len, &p);

	/* Message-ID: <redflagd.CLIENT.LEVEL.UNIXTIME.RANDOM@domain of From> */
	expect_prefix = strdup_printf("redflagd.acme.red.%lld.", (long long) NOW);
	assert_true(strncmp(id, expect_prefix, strlen(expect_prefix)) == 0);
	assert_true(g_str_has_suffix(id, "@studio.example"));
	assert_int_equal(strlen(id) - strlen(expect_prefix) - strlen("@studio.example"), 16);
	mid = g_mime_message_get_message_id(p.m);
	assert_non_null(mid);
	assert_string_equal(mid, id);

	date = g_mime_message_get_date(p.m);
	assert_non_null(date);
	assert_int_equal(g_date_time_to_unix(date), NOW);
	/* In the owner's time zone: Paris is UTC+1 in November. */
	assert_contains(header(&p, "Date"), "+0100");

	assert_string_equal(g_mime_message_get_subject(p.m), "[redflagd] RED: ACME SARL (score 85)");
	assert_string_equal(header(&p, "Auto-Submitted"), "auto-generated");
	assert_string_equal(header(&p, "X-Redflagd-Client"), "acme");
	assert_string_equal(header(&p, "X-Redflagd-Level"), "red");
	assert_non_null(header(&p, "MIME-Version"));

	to = g_mime_message_get_to(p.m);
	to_s = internet_address_list_to_string(to, NULL, FALSE);
	assert_contains(to_s, "Marie Dupont");
	assert_contains(to_s, "<marie@studio.example>");
	g_free(to_s);
	to_s = internet_address_list_to_string(g_mime_message_get_from(p.m), NULL, FALSE);
	assert_string_equal(to_s, "redflagd <redflagd@studio.example>");
	g_free(to_s);

	body = g_mime_message_get_body(p.m);
	assert_contains(g_mime_object_get_header(body, "Content-Type"), "text/plain");
	assert_contains(g_mime_object_get_header(body, "Content-Type"), "charset=utf-8");
	assert_string_equal(g_mime_object_get_header(body, "Content-Transfer-Encoding"),
			    "quoted-printable");

	/* Why, in plain words, with every active symbol and its evidence. */
	assert_contains(p.body, "Hello Marie Dupont,");
	assert_contains(p.body, "ACME SARL crossed the red threshold");
	assert_contains(p.body, "Why:");
	assert_contains(p.body, "VOLUME");
	assert_contains(p.body, "16 messages from them in 7 days");
	assert_contains(p.body, "OUT_OF_WINDOW");
	assert_contains(p.body, "13 messages outside your agreed meeting times in 7 days");
	assert_contains(p.body, "NEGATIVE_TONE");
	assert_contains(p.body, "42% of their messages in 30 days have a negative tone");
	for (char **e = ev_volume; *e; e++)
		assert_contains(p.body, *e);
	assert_contains(p.body, ev_window[0]);
	assert_contains(p.body, ev_tone[0]); /* UTF-8 survives QP */
	assert_contains(p.body, ev_tone[1]);
	assert_null(strstr(p.body, "PAYMENT")); /* evaluated, not active */
	assert_contains(p.body, "messages in the last 30 days: 18");
	assert_contains(p.body, "redflag explain acme");
	assert_contains(p.body, "redflag note acme \"");

	parsed_done(&p);
	fixture_done(&f);
}

static void test_compose_fr(void **state)
{
	_cleanup_free_ char *id = NULL, *payload = NULL;
	struct parsed p = {};
	struct fixture f;
	size_t len;

	fixture_init(&f, "fr");
	compose(&f, ALERT_RAISE, &id, &payload, &len);
	parse_payload(payload, len, &p);
	assert_string_equal(g_mime_message_get_subject(p.m), "[redflagd] ROUGE : ACME SARL (score 85)");
	assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(p.m)), NOW);
	assert_contains(p.body, "Bonjour Marie Dupont,");
	assert_contains(p.body, "ACME SARL a franchi le seuil rouge");
	assert_contains(p.body, "Pourquoi :");
	assert_contains(p.body, "13 messages en dehors de vos créneaux de rendez-vous convenus");
	assert_contains(p.body, "ton négatif");
	assert_contains(p.body, "« vous êtes sûr ? c'est inadmissible »");
	assert_contains(p.body, "redflag explain acme");
	parsed_done(&p);
	free(TAKE_PTR(id));
	free(TAKE_PTR(payload));

	/* pink */
	set_level(&f.ce, LEVEL_PINK, 45);
	compose(&f, ALERT_RAISE, &id, &payload, &len);
	parse_payload(payload, len, &p);
	assert_string_equal(g_mime_message_get_subject(p.m), "[redflagd] ROSE : ACME SARL (score 45)");
	assert_contains(id, ".pink.");
	assert_contains(p.body, "seuil rose");
	parsed_done(&p);
	fixture_done(&f);
}

static void test_compose_recovered_and_test(void **state)
{
	static const struct {
		const char *lang;
		enum alert_kind kind;
		const char *subject;
		const char *body;
	} t[] = {
		{ "en", ALERT_RECOVERED, "[redflagd] Recovered: ACME SARL", "back below the pink threshold" },
		{ "fr", ALERT_RECOVERED, "[redflagd] Rétabli : ACME SARL", "repassé sous le seuil rose" },
		{ "en", ALERT_TEST, "[redflagd] Test alert", "This is a test alert" },
		{ "fr", ALERT_TEST, "[redflagd] Alerte de test", "Ceci est une alerte de test" },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *id = NULL, *payload = NULL;
		struct parsed p = {};
		struct fixture f;
		size_t len;

		fixture_init(&f, t[i].lang);
		set_level(&f.ce, LEVEL_NONE, 12);
		compose(&f, t[i].kind, &id, &payload, &len);
		parse_payload(payload, len, &p);
		assert_string_equal(g_mime_message_get_subject(p.m), t[i].subject);
		assert_contains(p.body, t[i].body);
		assert_string_equal(header(&p, "Auto-Submitted"), "auto-generated");
		assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(p.m)), NOW);
		if (t[i].kind == ALERT_TEST) {
			assert_true(g_str_has_prefix(id, "redflagd.test.test."));
			assert_string_equal(header(&p, "X-Redflagd-Level"), "test");
		} else {
			assert_true(g_str_has_prefix(id, "redflagd.acme.recovered."));
			assert_string_equal(header(&p, "X-Redflagd-Level"), "none");
			assert_contains(p.body, "redflag note acme");
		}
		parsed_done(&p);
		fixture_done(&f);
	}
}

static void test_compose_hostile(void **state)
{
	static char *ev_bad[] = {
		"line\r\n.\r\nMAIL FROM:<evil@x>\r\n", "\xff\xfe invalid \xc3 utf-8",
		"\xe2\x80\xae reversed", NULL,
	};
	_cleanup_free_ char *id = NULL, *id2 = NULL, *payload = NULL, *payload2 = NULL;
	char long_ev[4096];
	char *ev_long[] = { long_ev, NULL };
	struct parsed p = {};
	struct fixture f;
	size_t len, len2;

	memset(long_ev, 'x', sizeof(long_ev) - 1);
	long_ev[sizeof(long_ev) - 1] = '\0';
	fixture_init(&f, "en");
	f.client.id = (char *) "a b/c\"d";
	f.client.name = (char *) "Evil\r\nBcc: victim@x";
	f.ce.sym[SYMBOL_VOLUME].evidence = ev_bad;
	f.ce.sym[SYMBOL_OUT_OF_WINDOW].evidence = ev_long;
	compose(&f, ALERT_RAISE, &id, &payload, &len);
	parse_payload(payload, len, &p);

	/* No header injection, no bare CR in the text, no bidi override. */
	assert_null(g_mime_object_get_header(GMIME_OBJECT(p.m), "Bcc"));
	assert_null(strchr(g_mime_message_get_subject(p.m), '\n'));
	/* (the decoded text keeps the wire's CRLF; no CR elsewhere) */
	for (const char *c = p.body; *c; c++)
		if (*c == '\r')
			assert_int_equal(c[1], '\n');
	assert_null(strstr(p.body, "\n.\r\n"));
	assert_null(strstr(p.body, "\n.\n"));
	assert_null(strstr(p.body, "\xe2\x80\xae"));
	assert_contains(p.body, "MAIL FROM:<evil@x>");
	assert_contains(p.body, "invalid");
	assert_null(strstr(p.body, long_ev + sizeof(long_ev) - 1 - ALERT_EVIDENCE_MAX_CHARS - 1));
	/* The id in a suggested command is quoted for the shell. */
	assert_contains(p.body, "redflag explain 'a b/c\"d'");
	/* Message-ID: only safe characters on the left. */
	assert_true(g_str_has_prefix(id, "redflagd.a-b-c-d.red."));
	parsed_done(&p);

	/* Every composition has a fresh Message-ID. */
	compose(&f, ALERT_RAISE, &id2, &payload2, &len2);
	assert_string_not_equal(id, id2);

	/* Without [owner] email there is nobody to write to. */
	f.c.owner_email = NULL;
	assert_int_equal(alert_compose(&f.c, &f.ce, ALERT_RAISE, NOW, &id, &payload, &len),
			 -EDESTADDRREQ);
	assert_int_equal(alert_compose(&f.c, &f.ce, ALERT_NONE, NOW, &id, &payload, &len), -EINVAL);
	fixture_done(&f);
}

/* --- outbox_retry_delay ---------------------------------------------------------- */

static void test_retry_delay(void **state)
{
	assert_int_equal(outbox_retry_delay(60, 1), 60);
	assert_int_equal(outbox_retry_delay(60, 2), 120);
	assert_int_equal(outbox_retry_delay(60, 3), 240);
	assert_int_equal(outbox_retry_delay(60, 6), 1920);
	assert_int_equal(outbox_retry_delay(60, 7), OUTBOX_RETRY_MAX);
	assert_int_equal(outbox_retry_delay(60, 1000), OUTBOX_RETRY_MAX);
	assert_int_equal(outbox_retry_delay(60, UINT32_MAX), OUTBOX_RETRY_MAX);
	assert_int_equal(outbox_retry_delay(10, 0), 10);
	assert_int_equal(outbox_retry_delay(7200, 1), OUTBOX_RETRY_MAX);
	assert_int_equal(outbox_retry_delay(0, 1), 60); /* never a busy loop */
}

/* --- alert_process with a real store ------------------------------------------------ */

struct tmpstore {
	char dir[64];
	char path[128];
	struct store *s;
};

static void tmpstore_open(struct tmpstore *t)
{
	_cleanup_free_ char *err = NULL;
	int r;

	snprintf(t->dir, sizeof(t->dir), "/tmp/test-alert.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/redflagd.db", t->dir);
	r = store_open(t->path, &t->s, &err);
	if (r < 0)
		print_error("store_open: %s\n", strna(err));
	assert_int_equal(r, 0);
}

static void tmpstore_close(struct tmpstore *t)
{
	char p[192];

	t->s = store_close(t->s);
	unlink(t->path);
	snprintf(p, sizeof(p), "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->path);
	unlink(p);
	rmdir(t->dir);
}

struct outbox_copy {
	unsigned n;
	char kind[8][16];
	char msgid[8][160];
	enum outbox_status status[8];
	unsigned attempts[8];
	int64_t next[8];
	char error[8][512];
	char payload_head[8][64];
};

static int copy_item(const struct outbox_item *o, void *userdata)
{
	struct outbox_copy *c = userdata;

	if (c->n >= ELEMENTSOF(c->kind))
		return 0;
	snprintf(c->kind[c->n], sizeof(c->kind[0]), "%s", o->kind);
	snprintf(c->msgid[c->n], sizeof(c->msgid[0]), "%s", o->message_id);
	c->status[c->n] = o->status;
	c->attempts[c->n] = o->attempts;
	c->next[c->n] = o->next_attempt_at;
	snprintf(c->error[c->n], sizeof(c->error[0]), "%s", strempty(o->last_error));
	snprintf(c->payload_head[c->n], sizeof(c->payload_head[0]), "%.*s",
		 (int) MIN(o->payload_len, 63), o->payload);
	c->n++;
	return 0;
}

/* The outbox, newest first. */
static void outbox_read(struct store *s, struct outbox_copy *c)
{
	*c = (struct outbox_copy) {};
	assert_true(store_outbox_list(s, 0, copy_item, c) >= 0);
}

static void process(struct fixture *f, struct store *s, int64_t now, unsigned want)
{
	unsigned queued = 99;

	assert_int_equal(alert_process(&f->c, s, &f->e, now, &queued), 0);
	assert_int_equal(queued, want);
}

static void test_process(void **state)
{
	struct alert_state st = {};
	struct outbox_copy oc;
	struct tmpstore t = {};
	struct fixture f;

	log_set_max_level(getenv("TEST_ALERT_VERBOSE") ? LOG_DEBUG : LOG_CRIT);
	tmpstore_open(&t);
	fixture_init(&f, "en");

	/* none: nothing queued, the evaluation is recorded */
	set_level(&f.ce, LEVEL_NONE, 10);
	process(&f, t.s, NOW, 0);
	assert_int_equal(store_alert_state_get(t.s, "acme", &st), 1);
	assert_int_equal(st.level, LEVEL_NONE);
	assert_int_equal(st.score, 10);
	assert_int_equal(st.alerted_level, LEVEL_NONE);
	alert_state_done(&st);

	/* none -> pink: exactly one alert, then nothing for the same eval */
	set_level(&f.ce, LEVEL_PINK, 45);
	process(&f, t.s, NOW + 60, 1);
	process(&f, t.s, NOW + 120, 0);
	process(&f, t.s, NOW + 3 * DAY, 0);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.n, 1);
	assert_string_equal(oc.kind[0], "alert");
	assert_int_equal(oc.status[0], OUTBOX_PENDING);
	assert_int_equal(oc.next[0], NOW + 60);
	assert_true(g_str_has_prefix(oc.msgid[0], "redflagd.acme.pink."));
	assert_int_equal(store_alert_state_get(t.s, "acme", &st), 1);
	assert_int_equal(st.alerted_level, LEVEL_PINK);
	assert_int_equal(st.alerted_at, NOW + 60);
	assert_int_equal(st.evaluated_at, NOW + 3 * DAY);
	alert_state_done(&st);

	/* pink -> red: one more, with its red symbols remembered */
	set_level(&f.ce, LEVEL_RED, 80);
	process(&f, t.s, NOW + 4 * DAY, 1);
	process(&f, t.s, NOW + 4 * DAY + 60, 0);
	assert_int_equal(store_alert_state_get(t.s, "acme", &st), 1);
	assert_int_equal(st.alerted_level, LEVEL_RED);
	assert_string_equal(st.alerted_red, "VOLUME");
	alert_state_done(&st);

	/* a new red symbol inside the cooldown */
	f.ce.sym[SYMBOL_ABUSE].active = f.ce.sym[SYMBOL_ABUSE].red = true;
	process(&f, t.s, NOW + 5 * DAY, 1);
	process(&f, t.s, NOW + 5 * DAY + 60, 0);

	/* back to none: one recovered notice, then silence */
	set_level(&f.ce, LEVEL_NONE, 5);
	process(&f, t.s, NOW + 6 * DAY, 1);
	process(&f, t.s, NOW + 7 * DAY, 0);
	process(&f, t.s, NOW + 30 * DAY, 0);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.n, 4);
	assert_string_equal(oc.kind[0], "recovered");
	assert_true(g_str_has_prefix(oc.msgid[0], "redflagd.acme.recovered."));
	assert_string_equal(oc.kind[1], "alert");
	assert_true(g_str_has_prefix(oc.msgid[1], "redflagd.acme.red."));
	assert_int_equal(store_alert_state_get(t.s, "acme", &st), 1);
	assert_int_equal(st.alerted_level, LEVEL_NONE);
	assert_int_equal(st.level, LEVEL_NONE);
	alert_state_done(&st);

	/* Without [smtp]: nothing queued and nothing marked as alerted, so
	 * the alert goes out once SMTP is configured. */
	f.c.has_smtp = false;
	set_level(&f.ce, LEVEL_RED, 90);
	process(&f, t.s, NOW + 31 * DAY, 0);
	assert_int_equal(store_alert_state_get(t.s, "acme", &st), 1);
	assert_int_equal(st.level, LEVEL_RED);
	assert_int_equal(st.score, 90);
	assert_int_equal(st.alerted_level, LEVEL_NONE);
	alert_state_done(&st);
	f.c.has_smtp = true;
	process(&f, t.s, NOW + 32 * DAY, 1);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.n, 5);

	fixture_done(&f);
	tmpstore_close(&t);
}

/* --- SMTP against a real aiosmtpd on 127.0.0.1 -------------------------------------- */

static const char smtp_server_py[] =
	"import asyncio, json, os, sys\n"
	"from aiosmtpd.smtp import SMTP, AuthResult\n"
	"d = sys.argv[1]\n"
	"count = [0]\n"
	"class H:\n"
	"    async def handle_RCPT(self, server, session, envelope, address, options):\n"
	"        if address.startswith('nobody@'):\n"
	"            return '550 5.1.1 no such user'\n"
	"        envelope.rcpt_tos.append(address)\n"
	"        return '250 OK'\n"
	"    async def handle_DATA(self, server, session, envelope):\n"
	"        rcpt = envelope.rcpt_tos[0]\n"
	"        if rcpt.startswith('reject@'):\n"
	"            return '554 5.7.1 rejected by policy'\n"
	"        if rcpt.startswith('later@'):\n"
	"            return '451 4.3.0 try again later'\n"
	"        count[0] += 1\n"
	"        with open(os.path.join(d, 'msg%d.eml' % count[0]), 'wb') as f:\n"
	"            f.write(envelope.original_content)\n"
	"        with open(os.path.join(d, 'msg%d.json' % count[0]), 'w') as f:\n"
	"            json.dump({'from': envelope.mail_from, 'rcpt': envelope.rcpt_tos}, f)\n"
	"        return '250 2.0.0 OK'\n"
	"def auth(server, session, envelope, mechanism, data):\n"
	"    return AuthResult(success=(data.login == b'u' and data.password == b'good'), handled=False)\n"
	"async def main():\n"
	"    loop = asyncio.get_running_loop()\n"
	"    srv = await loop.create_server(lambda: SMTP(H(), authenticator=auth, auth_require_tls=False), '127.0.0.1', 0)\n"
	"    port = srv.sockets[0].getsockname()[1]\n"
	"    with open(os.path.join(d, 'port.tmp'), 'w') as f:\n"
	"        f.write(str(port))\n"
	"    os.rename(os.path.join(d, 'port.tmp'), os.path.join(d, 'port'))\n"
	"    await srv.serve_forever()\n"
	"asyncio.run(main())\n";

struct smtp_server {
	char dir[64];
	pid_t pid;
	unsigned port;
	char url[64];
};

static int smtp_server_stop(struct smtp_server *srv)
{
	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		(void) waitpid(srv->pid, NULL, 0);
		srv->pid = 0;
	}
	return 0;
}

static int smtp_teardown(void **state)
{
	struct smtp_server *srv = *state;

	if (!srv)
		return 0;
	smtp_server_stop(srv);
	if (test_tmpdir_remove(srv->dir) < 0)
		print_error("could not remove %s\n", srv->dir);
	free(srv);
	*state = NULL;
	return 0;
}

static int smtp_setup(void **state)
{
	struct smtp_server *srv = calloc(1, sizeof(*srv));
	const char *python = getenv("PYTHON3");
	char script[128], portfile[128], logfile[128];
	FILE *f;

	if (isempty(python) || access(python, X_OK) < 0)
		python = "/usr/bin/python3";
	*state = srv;
	if (!srv)
		return -1;
	snprintf(srv->dir, sizeof(srv->dir), "/tmp/test-smtp.XXXXXX");
	if (!mkdtemp(srv->dir)) {
		srv->dir[0] = '\0';
		return -1;
	}
	snprintf(script, sizeof(script), "%s/server.py", srv->dir);
	snprintf(portfile, sizeof(portfile), "%s/port", srv->dir);
	snprintf(logfile, sizeof(logfile), "%s/server.log", srv->dir);
	f = fopen(script, "we");
	if (!f)
		return -1;
	fputs(smtp_server_py, f);
	fclose(f);

	srv->pid = fork();
	if (srv->pid < 0)
		return -1;
	if (srv->pid == 0) {
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int out = open(logfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execl(python, "python3", script, srv->dir, (char *) NULL);
		_exit(127);
	}

	/* Wait (at most 10 s) for the port file written after bind(). */
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ char *buf = NULL;
		unsigned long long port;
		int status;

		if (read_full_file(portfile, 64, &buf, NULL) >= 0 &&
		    parse_uint(strstrip(buf), 65535, &port) >= 0) {
			srv->port = (unsigned) port;
			snprintf(srv->url, sizeof(srv->url), "smtp://127.0.0.1:%u", srv->port);
			return 0;
		}
		if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
			srv->pid = 0; /* no python3 or no aiosmtpd: the test skips */
			return 0;
		}
		nanosleep(&(struct timespec) { .tv_nsec = 50 * 1000 * 1000 }, NULL);
	}
	smtp_server_stop(srv);
	return 0;
}

static void test_smtp_send(void **state)
{
	struct smtp_server *srv = *state;
	_cleanup_free_ char *id = NULL, *payload = NULL, *saved = NULL, *env = NULL;
	char path[128];
	struct fixture f;
	size_t len, saved_len;
	long code;
	int r;

	if (!srv || srv->port == 0)
		skip();
	fixture_init(&f, "fr");
	f.c.smtp_url.url = srv->url;
	compose(&f, ALERT_RAISE, &id, &payload, &len);

	/* accepted */
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "marie@studio.example", payload, len, &code, &err);
		if (r < 0)
			print_error("smtp_send: %s\n", strna(err));
		assert_int_equal(r, 0);
		assert_int_equal(code, 250);
	}
	snprintf(path, sizeof(path), "%s/msg1.eml", srv->dir);
	assert_int_equal(read_full_file(path, 1 << 20, &saved, &saved_len), 0);
	assert_int_equal(saved_len, len);
	assert_memory_equal(saved, payload, len); /* byte for byte, CRLF kept */
	snprintf(path, sizeof(path), "%s/msg1.json", srv->dir);
	assert_int_equal(read_full_file(path, 4096, &env, NULL), 0);
	assert_contains(env, "\"from\": \"redflagd@studio.example\"");
	assert_contains(env, "marie@studio.example");

	/* 554 after DATA: permanent */
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "reject@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EPERM);
		assert_int_equal(code, 554);
		assert_non_null(err);
		assert_contains(err, srv->url);
		assert_contains(err, "554");
	}
	/* 451 after DATA: temporary */
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "later@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EAGAIN);
		assert_int_equal(code, 451);
		assert_contains(err, "451");
	}
	/* 550 to RCPT: permanent */
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "nobody@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EPERM);
		assert_int_equal(code, 550);
	}
	/* tls = required, but this server has no STARTTLS: never in clear */
	{
		_cleanup_free_ char *err = NULL;

		f.c.smtp_tls = TLS_REQUIRED;
		r = smtp_send(&f.c, "marie@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EAGAIN);
		assert_contains(err, "STARTTLS");
		f.c.smtp_tls = TLS_NONE;
	}
	/* a bad recipient address never reaches the server */
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "marie@studio.example>\r\nRCPT TO:<x@y", payload, len, &code, &err);
		assert_int_equal(r, -EPERM);
	}
	/* AUTH: a refused login is temporary (the owner can fix the
	 * password) and says so; the right password is accepted */
	{
		_cleanup_free_ char *err = NULL, *pwfile = NULL;
		FILE *pw;

		pwfile = strdup_printf("%s/smtp.pass", srv->dir);
		assert_non_null(pwfile);
		pw = fopen(pwfile, "we");
		assert_non_null(pw);
		fputs("bad\n", pw);
		fclose(pw);
		assert_int_equal(chmod(pwfile, 0600), 0);
		f.c.smtp_username = (char *) "u";
		f.c.smtp_secret.file = pwfile;
		r = smtp_send(&f.c, "marie@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EAGAIN);
		assert_contains(err, "SMTP login refused for 'u'");
		assert_null(strstr(err, "bad"));

		pw = fopen(pwfile, "we");
		assert_non_null(pw);
		fputs("good\n", pw);
		fclose(pw);
		free(TAKE_PTR(err));
		r = smtp_send(&f.c, "marie@studio.example", payload, len, &code, &err);
		if (r < 0)
			print_error("smtp_send with AUTH: %s\n", strna(err));
		assert_int_equal(r, 0);
		f.c.smtp_username = NULL;
		f.c.smtp_secret.file = NULL;
	}
	/* nobody listening: temporary, no code */
	smtp_server_stop(srv);
	{
		_cleanup_free_ char *err = NULL;

		r = smtp_send(&f.c, "marie@studio.example", payload, len, &code, &err);
		assert_int_equal(r, -EAGAIN);
		assert_int_equal(code, 0);
		assert_non_null(err);
	}
	fixture_done(&f);
}

static void test_outbox_deliver(void **state)
{
	struct smtp_server *srv = *state;
	_cleanup_free_ char *saved = NULL;
	struct outbox_copy oc;
	struct tmpstore t = {};
	struct fixture f;
	unsigned sent = 99, failed = 99, queued = 0;
	char path[128];
	size_t saved_len;

	if (!srv || srv->port == 0)
		skip();
	log_set_max_level(getenv("TEST_ALERT_VERBOSE") ? LOG_DEBUG : LOG_CRIT);
	tmpstore_open(&t);
	fixture_init(&f, "en");
	f.c.smtp_url.url = srv->url;

	/* queue a red alert and deliver it */
	assert_int_equal(alert_process(&f.c, t.s, &f.e, NOW, &queued), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW, &sent, &failed), 0);
	assert_int_equal(sent, 1);
	assert_int_equal(failed, 0);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.n, 1);
	assert_int_equal(oc.status[0], OUTBOX_SENT);
	snprintf(path, sizeof(path), "%s/msg1.eml", srv->dir);
	assert_int_equal(read_full_file(path, 1 << 20, &saved, &saved_len), 0);
	assert_contains(saved, oc.msgid[0]);
	/* nothing more to do */
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 60, &sent, &failed), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 0);

	/* 451: stays pending, retried after retry_min, then doubling */
	f.c.owner_email = (char *) "later@studio.example";
	set_level(&f.ce, LEVEL_NONE, 0);
	assert_int_equal(alert_process(&f.c, t.s, &f.e, NOW + 100, &queued), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 100, &sent, &failed), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 1);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.status[0], OUTBOX_PENDING);
	assert_int_equal(oc.attempts[0], 1);
	assert_int_equal(oc.next[0], NOW + 100 + 60);
	assert_contains(oc.error[0], "451");
	/* not due yet */
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 159, &sent, &failed), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 160, &sent, &failed), 0);
	assert_int_equal(failed, 1);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.attempts[0], 2);
	assert_int_equal(oc.next[0], NOW + 160 + 120);

	/* 554: failed for good */
	f.c.owner_email = (char *) "reject@studio.example";
	set_level(&f.ce, LEVEL_PINK, 50);
	assert_int_equal(alert_process(&f.c, t.s, &f.e, NOW + 200, &queued), 0);
	assert_int_equal(queued, 1);
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 200, &sent, &failed), 0);
	assert_int_equal(failed, 1);
	outbox_read(t.s, &oc);
	assert_string_equal(oc.kind[0], "alert");
	assert_int_equal(oc.status[0], OUTBOX_FAILED);
	assert_contains(oc.error[0], "554");

	/* server gone: both due items stay pending with the reason, and
	 * the second one does not wait for another connect timeout */
	{
		_cleanup_free_ char *id = NULL, *payload = NULL;
		struct outbox_item o = { .kind = (char *) "test", .rcpt = (char *) "marie@studio.example",
					 .created_at = NOW + 300, .next_attempt_at = NOW + 300 };
		int64_t oid;

		compose(&f, ALERT_TEST, &id, &payload, &o.payload_len);
		o.message_id = id;
		o.payload = payload;
		assert_int_equal(store_outbox_add(t.s, &o, &oid), 0);
	}
	smtp_server_stop(srv);
	assert_int_equal(outbox_deliver_due(&f.c, t.s, NOW + 10000, &sent, &failed), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 2);
	outbox_read(t.s, &oc);
	assert_int_equal(oc.n, 4);
	assert_string_equal(oc.kind[0], "test");
	assert_int_equal(oc.status[0], OUTBOX_PENDING);
	assert_int_equal(oc.attempts[0], 1);
	assert_int_equal(oc.next[0], NOW + 10000 + 60);
	assert_string_equal(oc.kind[2], "recovered");
	assert_int_equal(oc.status[2], OUTBOX_PENDING);
	assert_int_equal(oc.attempts[2], 3);
	assert_int_equal(oc.next[2], NOW + 10000 + 240);
	assert_string_equal(oc.error[0], oc.error[2]);

	fixture_done(&f);
	tmpstore_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_compose_en),
		cmocka_unit_test(test_compose_fr),
		cmocka_unit_test(test_compose_recovered_and_test),
		cmocka_unit_test(test_compose_hostile),
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test(test_process),
		cmocka_unit_test_setup_teardown(test_smtp_send, smtp_setup, smtp_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_deliver, smtp_setup, smtp_teardown),
	};
	int r;

	g_mime_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return r;
}
