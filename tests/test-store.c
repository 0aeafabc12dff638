/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store.h"
#include "test-helpers.h"

static char tmpdir[] = "/tmp/test-store.XXXXXX";
static unsigned db_counter;

/* A fresh database path in the test directory. */
static char *db_path(void)
{
	char *p = strdup_printf("%s/db%u.sqlite", tmpdir, db_counter++);

	assert_non_null(p);
	return p;
}

static struct store *open_new(char **ret_path)
{
	_cleanup_free_ char *path = db_path();
	_cleanup_free_ char *err = NULL;
	struct store *s = NULL;
	int r;

	r = store_open(path, &s, &err);
	if (r < 0)
		fail_msg("store_open(%s): %s (%d)", path, strna(err), r);
	assert_non_null(s);
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return s;
}

/* Runs one statement through sqlite directly (not through the store). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static struct msg_features make_msg(const char *key, int64_t internal_date)
{
	struct msg_features f = {
		.msgkey = (char *) key,
		.account = (char *) "work",
		.folder = (char *) "INBOX",
		.uidvalidity = 1000,
		.uid = 1,
		.sender = (char *) "jean@acme.example",
		.internal_date = internal_date,
		.date = internal_date - 5,
		.size = 4242,
		.scored = true,
		.tone = -0.5,
		.label = TONE_NEGATIVE,
		.language = "fr",
	};
	f.categories[CATEGORY_NEGATIVE] = 2;
	f.categories[CATEGORY_PRESSURE] = 1;
	return f;
}

/* --- collectors ------------------------------------------------------------ */

struct msg_list {
	unsigned n;
	char *keys[16];
	char *folders[16];
	uint32_t uids[16];
	double tones[16];
	struct msg_features first; /* deep copy of the first message */
	int stop_after;            /* > 0: return -42 after that many */
};

static void msg_list_done(struct msg_list *l)
{
	for (unsigned i = 0; i < l->n && i < ELEMENTSOF(l->keys); i++) {
		free(l->keys[i]);
		free(l->folders[i]);
	}
	msg_features_done(&l->first);
}

static int collect_msg(const struct msg_features *f, void *userdata)
{
	struct msg_list *l = userdata;

	assert_true(l->n < ELEMENTSOF(l->keys));
	if (l->n == 0) {
		l->first = *f;
		l->first.msgkey = strdup_null(f->msgkey);
		l->first.account = strdup_null(f->account);
		l->first.folder = strdup_null(f->folder);
		l->first.sender = strdup_null(f->sender);
		l->first.evidence = strdup_null(f->evidence);
	}
	l->keys[l->n] = strdup(f->msgkey);
	l->folders[l->n] = strdup_null(f->folder);
	l->uids[l->n] = f->uid;
	l->tones[l->n] = f->tone;
	l->n++;
	if (l->stop_after > 0 && (int) l->n >= l->stop_after)
		return -42;
	return 0;
}

struct outbox_list {
	unsigned n;
	struct outbox_item items[8];
};

static void outbox_list_done(struct outbox_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		outbox_item_done(&l->items[i]);
	l->n = 0;
}

static int collect_outbox(const struct outbox_item *o, void *userdata)
{
	struct outbox_list *l = userdata;
	struct outbox_item *c;

	assert_true(l->n < ELEMENTSOF(l->items));
	c = &l->items[l->n++];
	*c = *o;
	c->message_id = strdup_null(o->message_id);
	c->client_id = strdup_null(o->client_id);
	c->kind = strdup_null(o->kind);
	c->rcpt = strdup_null(o->rcpt);
	c->last_error = strdup_null(o->last_error);
	c->payload = malloc(o->payload_len + 1);
	assert_non_null(c->payload);
	memcpy(c->payload, o->payload, o->payload_len + 1); /* NUL-terminated */
	return 0;
}

static void outbox_list_get(struct store *s, int64_t due_now, struct outbox_list *l)
{
	outbox_list_done(l);
	if (due_now >= 0)
		assert_int_equal(store_outbox_due(s, due_now, collect_outbox, l), 0);
	else
		assert_int_equal(store_outbox_list(s, 0, collect_outbox, l), 0);
}

/* --- tests -------------------------------------------------------------------- */

static void test_create_reopen(void **state)
{
	_cleanup_free_ char *path = NULL, *wal = NULL;
	struct store *s;
	struct stat st;
	mode_t old = umask(0); /* the 0600 must not depend on the umask */

	s = open_new(&path);
	umask(old);
	assert_int_equal(store_job_set(s, "snapshot", 1234), 0);

	/* The file, and the WAL file sqlite made next to it, are private. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	wal = strdup_printf("%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	store_close(s);

	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				       " AND name IN ('folders', 'messages', 'alert_state',"
				       " 'outbox', 'jobs', 'notes', 'snapshots')"),
			 7);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
				       " AND name IN ('messages_internal_date',"
				       " 'messages_sender', 'outbox_due')"),
			 3);

	/* Reopening keeps the data and does not recreate anything. */
	_cleanup_free_ char *err = NULL;
	int64_t last = 0;
	assert_int_equal(store_open(path, &s, &err), 0);
	assert_int_equal(store_job_get(s, "snapshot", &last), 1);
	assert_int_equal(last, 1234);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
}

static void test_wal_mode(void **state)
{
	_cleanup_free_ char *path = NULL;
	struct store *s = open_new(&path);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	/* A second connection sees the persistent journal mode. */
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *) sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	store_close(s);
}

static void test_newer_schema(void **state)
{
	_cleanup_free_ char *path = NULL, *err = NULL, *err2 = NULL;
	struct store *s = open_new(&path);

	store_close(s);
	raw_exec(path, "PRAGMA user_version = 99");

	s = NULL;
	assert_int_equal(store_open(path, &s, &err), -EPROTONOSUPPORT);
	assert_null(s);
	assert_non_null(err);
	char want[128];
	(void) snprintf(want, sizeof(want),
			"database schema version 99 is newer than this redflagd supports (%d)",
			STORE_SCHEMA_VERSION);
	assert_string_equal(err, want);
	/* Not touched by the refusal. */
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 99);

	assert_int_equal(store_open_readonly(path, &s, &err2), -EPROTONOSUPPORT);
	assert_null(s);
	assert_non_null(strstr(err2, "newer than this redflagd"));
}

static void test_readonly(void **state)
{
	_cleanup_free_ char *path = db_path(), *err = NULL, *err2 = NULL;
	struct store *s = NULL, *ro = NULL;
	struct msg_features f = make_msg("ro@x", 100);
	uint64_t n = 99;

	/* A missing file is an error, and is not created. */
	assert_int_equal(store_open_readonly(path, &ro, &err), -ENOENT);
	assert_null(ro);
	assert_non_null(err);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(access(path, F_OK), -1);

	/* An existing one reads, and refuses writes. */
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(store_message_add(s, &f), 1);
	assert_int_equal(store_open_readonly(path, &ro, &err2), 0);
	assert_int_equal(store_message_count(ro, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_message_add(ro, &f), -EROFS);
	assert_int_equal(store_job_set(ro, "x", 1), -EROFS);
	store_close(ro);
	store_close(s);
}

static void test_not_a_database(void **state)
{
	_cleanup_free_ char *path = db_path(), *err = NULL, *link = NULL, *target = NULL;
	struct store *s = NULL;
	FILE *f;

	f = fopen(path, "we");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all\n", f);
	fclose(f);
	assert_int_equal(store_open(path, &s, &err), -EIO);
	assert_null(s);
	assert_non_null(err);
	assert_non_null(strstr(err, "not a database"));

	/* A symbolic link is refused, not followed. */
	target = NULL;
	s = open_new(&target);
	store_close(s);
	s = NULL;
	link = db_path();
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(store_open(link, &s, NULL), -ELOOP);
	assert_null(s);
}

static void test_memory(void **state)
{
	struct store *s = NULL;
	struct msg_features f = make_msg("mem@x", 100);
	uint64_t n = 0;

	assert_int_equal(store_open(":memory:", &s, NULL), 0);
	assert_int_equal(store_message_add(s, &f), 1);
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
	assert_int_equal(access(":memory:", F_OK), -1);
}

static void test_message_duplicate(void **state)
{
	struct store *s = open_new(NULL);
	struct msg_features f = make_msg("a@acme.example", 1000);
	_cleanup_(msg_list_done) struct msg_list l = {};
	uint64_t n = 0;

	assert_int_equal(store_message_add(s, &f), 1);

	/* Seen again in another folder after a UIDVALIDITY change, read with
	 * another lexicon: only the location moves. */
	f.folder = (char *) "Archive";
	f.uidvalidity = 2000;
	f.uid = 77;
	f.tone = 0.9;
	f.label = TONE_POSITIVE;
	f.categories[CATEGORY_NEGATIVE] = 0;
	assert_int_equal(store_message_add(s, &f), 0);
	assert_int_equal(store_message_add(s, &f), 0);
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 1);

	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.first.folder, "Archive");
	assert_int_equal(l.first.uidvalidity, 2000);
	assert_int_equal(l.first.uid, 77);
	assert_float_equal(l.first.tone, -0.5, 1e-9);
	assert_int_equal(l.first.label, TONE_NEGATIVE);
	assert_int_equal(l.first.categories[CATEGORY_NEGATIVE], 2);

	/* A rescan replaces the tone on purpose. */
	assert_int_equal(store_message_update_tone(s, &f), 1);
	msg_list_done(&l);
	l = (struct msg_list){};
	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_float_equal(l.first.tone, 0.9, 1e-9);
	assert_int_equal(l.first.label, TONE_POSITIVE);
	assert_int_equal(l.first.categories[CATEGORY_NEGATIVE], 0);

	f.msgkey = (char *) "unknown@acme.example";
	assert_int_equal(store_message_update_tone(s, &f), 0);
	f.msgkey = (char *) "";
	assert_int_equal(store_message_add(s, &f), -EINVAL);
	store_close(s);
}

static void test_message_fields(void **state)
{
	struct store *s = open_new(NULL);
	struct msg_features f = make_msg("hash:0123abcd", 5000);
	_cleanup_(msg_list_done) struct msg_list l = {};

	f.automated = true;
	f.date = 0;
	f.sender = NULL;
	f.evidence = (char *) "negative\t0\t-3\tinadmissible\npressure\t0\t-1\tau plus vite\n";
	f.categories[CATEGORY_PAYMENT] = 3;
	f.size = UINT64_MAX;
	assert_int_equal(store_message_add(s, &f), 1);
	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.first.msgkey, "hash:0123abcd");
	assert_string_equal(l.first.account, "work");
	assert_string_equal(l.first.sender, "");
	assert_true(l.first.automated);
	assert_true(l.first.scored);
	assert_int_equal(l.first.date, 0);
	assert_int_equal(l.first.internal_date, 5000);
	assert_true(l.first.size == (uint64_t) INT64_MAX);
	assert_string_equal(l.first.language, "fr");
	assert_int_equal(l.first.categories[CATEGORY_PRESSURE], 1);
	assert_int_equal(l.first.categories[CATEGORY_PAYMENT], 3);
	assert_int_equal(l.first.categories[CATEGORY_ABUSE], 0);
	assert_string_equal(l.first.evidence, f.evidence);

	/* Not scored, no language, no evidence. */
	struct msg_features g = make_msg("unscored@x", 6000);
	g.scored = false;
	g.language[0] = '\0';
	assert_int_equal(store_message_add(s, &g), 1);
	msg_list_done(&l);
	l = (struct msg_list){};
	assert_int_equal(store_messages_since(s, 6000, collect_msg, &l), 0);
	assert_int_equal(l.n, 1);
	assert_false(l.first.scored);
	assert_string_equal(l.first.language, "");
	assert_null(l.first.evidence);
	store_close(s);
}

static int check_big_evidence(const struct msg_features *f, void *userdata)
{
	if (streq(f->msgkey, "big@x")) {
		size_t n = strlen(f->evidence);
		assert_true(n <= MODEL_MAX_EVIDENCE);
		assert_true(n > MODEL_MAX_EVIDENCE / 2);
		assert_int_equal(f->evidence[n - 1], '\n');
		(*(int *) userdata)++;
	}
	return 0;
}

static void test_evidence_bound(void **state)
{
	struct store *s = open_new(NULL);
	_cleanup_free_ char *big = malloc(MODEL_MAX_EVIDENCE * 3);
	const char *line = "abuse\t0\t-4\tword\n";
	size_t ll = strlen(line), n = 0;
	struct msg_features f = make_msg("big@x", 7000);
	int seen = 0;

	assert_non_null(big);
	while (n + ll < MODEL_MAX_EVIDENCE * 3) {
		memcpy(big + n, line, ll);
		n += ll;
	}
	big[n] = '\0';
	f.evidence = big;
	assert_int_equal(store_message_add(s, &f), 1);
	assert_int_equal(store_messages_since(s, 0, check_big_evidence, &seen), 0);
	assert_int_equal(seen, 1);
	store_close(s);
}

static void test_messages_since(void **state)
{
	struct store *s = open_new(NULL);
	struct msg_features a = make_msg("c@x", 300), b = make_msg("a@x", 100),
			    c = make_msg("b@x", 200), d = make_msg("d@x", 200);
	struct msg_list l = {};

	assert_int_equal(store_message_add(s, &a), 1);
	assert_int_equal(store_message_add(s, &b), 1);
	assert_int_equal(store_message_add(s, &c), 1);
	assert_int_equal(store_message_add(s, &d), 1);

	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.keys[0], "a@x");
	assert_string_equal(l.keys[1], "b@x"); /* same date: insertion order */
	assert_string_equal(l.keys[2], "d@x");
	assert_string_equal(l.keys[3], "c@x");
	msg_list_done(&l);

	/* The bound is inclusive. */
	l = (struct msg_list){};
	assert_int_equal(store_messages_since(s, 200, collect_msg, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.keys[0], "b@x");
	msg_list_done(&l);

	l = (struct msg_list){};
	assert_int_equal(store_messages_since(s, 301, collect_msg, &l), 0);
	assert_int_equal(l.n, 0);
	msg_list_done(&l);

	/* A negative return stops the walk and comes back. */
	l = (struct msg_list){ .stop_after = 2 };
	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), -42);
	assert_int_equal(l.n, 2);
	msg_list_done(&l);

	/* The statement is reusable after a stop. */
	l = (struct msg_list){};
	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_int_equal(l.n, 4);
	msg_list_done(&l);
	store_close(s);
}

struct reenter {
	struct store *s;
	unsigned outer, inner;
};

static int count_inner(const struct msg_features *f, void *userdata)
{
	((struct reenter *) userdata)->inner++;
	return 0;
}

static int reenter_cb(const struct msg_features *f, void *userdata)
{
	struct reenter *r = userdata;
	uint64_t n = 0;
	char key[64];

	r->outer++;
	/* The same statement again, from inside its own walk. */
	assert_int_equal(store_messages_since(r->s, 0, count_inner, r), 0);
	assert_int_equal(store_message_count(r->s, &n), 0);
	assert_true(n >= 2);
	(void) snprintf(key, sizeof(key), "seen-%s", f->msgkey);
	assert_int_equal(store_job_set(r->s, key, f->internal_date), 0);
	return 0;
}

static void test_reentrant_callback(void **state)
{
	struct store *s = open_new(NULL);
	struct msg_features a = make_msg("1@x", 10), b = make_msg("2@x", 20);
	struct reenter r = { .s = s };
	int64_t last = 0;

	assert_int_equal(store_message_add(s, &a), 1);
	assert_int_equal(store_message_add(s, &b), 1);
	assert_int_equal(store_messages_since(s, 0, reenter_cb, &r), 0);
	assert_int_equal(r.outer, 2);
	assert_int_equal(r.inner, 4);
	assert_int_equal(store_job_get(s, "seen-2@x", &last), 1);
	assert_int_equal(last, 20);
	store_close(s);
}

static void test_folder_state(void **state)
{
	struct store *s = open_new(NULL);
	uint32_t v = 11, u = 22;

	assert_int_equal(store_folder_get(s, "work", "INBOX", &v, &u), 0);
	assert_int_equal(v, 11); /* untouched */
	assert_int_equal(u, 22);

	assert_int_equal(store_folder_set(s, "work", "INBOX", 4000000000u, 17), 0);
	assert_int_equal(store_folder_set(s, "work", "Clients/ACME", 5, 3), 0);
	assert_int_equal(store_folder_set(s, "home", "INBOX", 6, 9), 0);
	assert_int_equal(store_folder_get(s, "work", "INBOX", &v, &u), 1);
	assert_int_equal(v, 4000000000u);
	assert_int_equal(u, 17);

	assert_int_equal(store_folder_set(s, "work", "INBOX", 4000000001u, 0), 0);
	assert_int_equal(store_folder_get(s, "work", "INBOX", &v, &u), 1);
	assert_int_equal(v, 4000000001u);
	assert_int_equal(u, 0);
	assert_int_equal(store_folder_get(s, "home", "INBOX", &v, &u), 1);
	assert_int_equal(v, 6);
	assert_int_equal(u, 9);
	store_close(s);
}

static void test_alert_state(void **state)
{
	_cleanup_free_ char *path = NULL;
	struct store *s = open_new(&path);
	struct alert_state a = {
		.client_id = (char *) "acme",
		.level = LEVEL_RED,
		.score = 85,
		.alerted_level = LEVEL_PINK,
		.alerted_at = 1700000000,
		.alerted_red = (char *) "ABUSE,VOLUME",
		.evaluated_at = 1700000100,
	};
	struct alert_state got = { .score = 3 };

	assert_int_equal(store_alert_state_get(s, "acme", &got), 0);
	assert_int_equal(got.score, 3);
	assert_int_equal(store_alert_state_set(s, &a), 0);
	store_close(s);

	/* A restart never forgets an alert. */
	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(store_alert_state_get(s, "acme", &got), 1);
	assert_string_equal(got.client_id, "acme");
	assert_int_equal(got.level, LEVEL_RED);
	assert_int_equal(got.score, 85);
	assert_int_equal(got.alerted_level, LEVEL_PINK);
	assert_int_equal(got.alerted_at, 1700000000);
	assert_string_equal(got.alerted_red, "ABUSE,VOLUME");
	assert_int_equal(got.evaluated_at, 1700000100);
	alert_state_done(&got);
	assert_null(got.client_id);

	a.level = LEVEL_NONE;
	a.score = 10;
	a.alerted_red = NULL;
	assert_int_equal(store_alert_state_set(s, &a), 0);
	assert_int_equal(store_alert_state_get(s, "acme", &got), 1);
	assert_int_equal(got.level, LEVEL_NONE);
	assert_int_equal(got.score, 10);
	assert_string_equal(got.alerted_red, "");
	alert_state_done(&got);

	a.level = _LEVEL_INVALID;
	assert_int_equal(store_alert_state_set(s, &a), -EINVAL);
	store_close(s);
}

static void test_outbox(void **state)
{
	struct store *s = open_new(NULL);
	static const char payload[] = "From: a\r\nTo: b\r\n\r\nbody\0with nul\r\n";
	struct outbox_item o1 = {
		.message_id = (char *) "1@redflagd",
		.client_id = (char *) "acme",
		.kind = (char *) "alert",
		.rcpt = (char *) "marie@studio.example",
		.payload = (char *) payload,
		.payload_len = sizeof(payload) - 1,
		.created_at = 100,
		.next_attempt_at = 100,
	};
	struct outbox_item o2 = {
		.message_id = (char *) "2@redflagd",
		.kind = (char *) "test",
		.rcpt = (char *) "marie@studio.example",
		.payload = (char *) "short",
		.created_at = 110,
		.next_attempt_at = 200,
	};
	_cleanup_(outbox_list_done) struct outbox_list l = {};
	int64_t id1 = 0, id2 = 0, next = -1;
	unsigned count = 99;

	assert_int_equal(store_outbox_pending(s, &count, &next), 0);
	assert_int_equal(count, 0);
	assert_int_equal(next, 0);

	assert_int_equal(store_outbox_add(s, &o1, &id1), 0);
	assert_int_equal(store_outbox_add(s, &o2, &id2), 0);
	assert_true(id1 > 0 && id2 > id1);
	/* The Message-ID is unique: a second enqueue is refused. */
	assert_int_equal(store_outbox_add(s, &o1, NULL), -EEXIST);
	assert_non_null(strstr(store_error(s), "1@redflagd"));

	assert_int_equal(store_outbox_pending(s, &count, &next), 0);
	assert_int_equal(count, 2);
	assert_int_equal(next, 100);

	outbox_list_get(s, 150, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].id, id1);
	assert_string_equal(l.items[0].message_id, "1@redflagd");
	assert_string_equal(l.items[0].client_id, "acme");
	assert_string_equal(l.items[0].kind, "alert");
	assert_int_equal(l.items[0].status, OUTBOX_PENDING);
	assert_int_equal(l.items[0].payload_len, sizeof(payload) - 1);
	assert_memory_equal(l.items[0].payload, payload, sizeof(payload) - 1);
	assert_int_equal(l.items[0].attempts, 0);
	assert_null(l.items[0].last_error);

	/* Temporary failure: still pending, later. */
	assert_int_equal(store_outbox_mark_failed(s, id1, "451 try later", false, 300), 0);
	outbox_list_get(s, 150, &l);
	assert_int_equal(l.n, 0);
	outbox_list_get(s, 300, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].id, id1); /* oldest first */
	assert_int_equal(l.items[0].status, OUTBOX_PENDING);
	assert_int_equal(l.items[0].attempts, 1);
	assert_int_equal(l.items[0].next_attempt_at, 300);
	assert_string_equal(l.items[0].last_error, "451 try later");
	assert_null(l.items[1].client_id);
	assert_int_equal(l.items[1].payload_len, 5);
	assert_string_equal(l.items[1].payload, "short");
	assert_int_equal(store_outbox_pending(s, &count, &next), 0);
	assert_int_equal(count, 2);
	assert_int_equal(next, 200);

	/* Permanent failure: out of the queue, kept. */
	assert_int_equal(store_outbox_mark_failed(s, id2, "554 no", true, 0), 0);
	assert_int_equal(store_outbox_pending(s, &count, &next), 0);
	assert_int_equal(count, 1);
	assert_int_equal(next, 300);
	outbox_list_get(s, 1000, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.items[0].id, id1);

	assert_int_equal(store_outbox_mark_sent(s, id1, 400), 0);
	assert_int_equal(store_outbox_pending(s, &count, &next), 0);
	assert_int_equal(count, 0);
	assert_int_equal(next, 0);
	outbox_list_get(s, 1000, &l);
	assert_int_equal(l.n, 0);

	/* Everything, newest first. */
	outbox_list_get(s, -1, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.items[0].id, id2);
	assert_int_equal(l.items[0].status, OUTBOX_FAILED);
	assert_int_equal(l.items[0].attempts, 1);
	assert_string_equal(l.items[0].last_error, "554 no");
	assert_int_equal(l.items[1].status, OUTBOX_SENT);
	assert_int_equal(l.items[1].sent_at, 400);
	assert_int_equal(l.items[1].attempts, 1);
	outbox_list_done(&l);
	assert_int_equal(store_outbox_list(s, 1, collect_outbox, &l), 0);
	assert_int_equal(l.n, 1);

	/* Unknown ids, bad items, and a long error reply. */
	assert_int_equal(store_outbox_mark_sent(s, 9999, 1), -ENOENT);
	assert_int_equal(store_outbox_mark_failed(s, 9999, "x", false, 1), -ENOENT);
	o2.message_id = NULL;
	assert_int_equal(store_outbox_add(s, &o2, NULL), -EINVAL);

	assert_string_equal(outbox_status_to_string(OUTBOX_FAILED), "failed");
	assert_int_equal(outbox_status_from_string("sent"), OUTBOX_SENT);
	assert_int_equal(outbox_status_from_string("nope"), _OUTBOX_STATUS_INVALID);

	/* Retention keeps pending items, drops old finished ones. */
	o2.message_id = (char *) "3@redflagd";
	o2.created_at = 50;
	assert_int_equal(store_outbox_add(s, &o2, NULL), 0);
	assert_int_equal(store_outbox_purge(s, 1000), 2);
	outbox_list_done(&l);
	outbox_list_get(s, -1, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].message_id, "3@redflagd");
	store_close(s);
}

static void test_jobs(void **state)
{
	struct store *s = open_new(NULL);
	int64_t last = -1;

	assert_int_equal(store_job_get(s, "digest", &last), 0);
	assert_int_equal(last, -1);
	assert_int_equal(store_job_set(s, "digest", 1700000000), 0);
	assert_int_equal(store_job_get(s, "digest", &last), 1);
	assert_int_equal(last, 1700000000);
	assert_int_equal(store_job_set(s, "digest", 1700086400), 0);
	assert_int_equal(store_job_get(s, "digest", &last), 1);
	assert_int_equal(last, 1700086400);
	assert_int_equal(store_job_get(s, "retention", &last), 0);
	assert_int_equal(store_job_set(s, "", 1), -EINVAL);
	store_close(s);
}

struct text_list {
	unsigned n;
	char lines[8][128];
};

static int collect_note(const char *client_id, int64_t at, const char *text, void *userdata)
{
	struct text_list *l = userdata;

	assert_true(l->n < ELEMENTSOF(l->lines));
	(void) snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%s %" PRId64 " %s", client_id,
			at, text);
	return 0;
}

static void test_notes(void **state)
{
	struct store *s = open_new(NULL);
	struct text_list l = {};

	assert_int_equal(store_note_add(s, "acme", 200, "appel: nouvelles règles"), 0);
	assert_int_equal(store_note_add(s, "beta", 150, "devis refait"), 0);
	assert_int_equal(store_note_add(s, "acme", 100, "réunion cadrage"), 0);

	assert_int_equal(store_notes_list(s, "acme", collect_note, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[0], "acme 100 réunion cadrage");
	assert_string_equal(l.lines[1], "acme 200 appel: nouvelles règles");

	l = (struct text_list){};
	assert_int_equal(store_notes_list(s, NULL, collect_note, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.lines[1], "beta 150 devis refait");

	l = (struct text_list){};
	assert_int_equal(store_notes_list(s, "nobody", collect_note, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(store_note_add(s, NULL, 1, "x"), -EINVAL);
	store_close(s);
}

static int collect_snapshot(const char *client_id, int64_t day, int score, enum level level,
			    void *userdata)
{
	struct text_list *l = userdata;

	assert_true(l->n < ELEMENTSOF(l->lines));
	(void) snprintf(l->lines[l->n++], sizeof(l->lines[0]), "%s %" PRId64 " %d %s",
			client_id, day, score, level_to_string(level));
	return 0;
}

static void test_snapshots(void **state)
{
	struct store *s = open_new(NULL);
	struct text_list l = {};
	const int64_t d = SEC_PER_DAY;

	assert_int_equal(store_snapshot_set(s, "acme", 3 * d, 45, LEVEL_PINK), 0);
	assert_int_equal(store_snapshot_set(s, "acme", 1 * d, 10, LEVEL_NONE), 0);
	assert_int_equal(store_snapshot_set(s, "beta", 2 * d, 20, LEVEL_NONE), 0);
	/* Same day again: replaced. */
	assert_int_equal(store_snapshot_set(s, "acme", 3 * d, 80, LEVEL_RED), 0);

	assert_int_equal(store_snapshots_list(s, "acme", 0, collect_snapshot, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[0], "acme 86400 10 none");
	assert_string_equal(l.lines[1], "acme 259200 80 red");

	l = (struct text_list){};
	assert_int_equal(store_snapshots_list(s, NULL, 2 * d, collect_snapshot, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[0], "beta 172800 20 none");
	assert_string_equal(l.lines[1], "acme 259200 80 red");

	assert_int_equal(store_snapshot_set(s, "acme", d, 1, _LEVEL_INVALID), -EINVAL);
	store_close(s);
}

static void test_purge(void **state)
{
	struct store *s = open_new(NULL);
	struct msg_list l = {};
	uint64_t n = 0;

	for (int i = 0; i < 5; i++) {
		char key[32];
		(void) snprintf(key, sizeof(key), "%d@x", i);
		struct msg_features f = make_msg(key, 1000 + i * 100);
		assert_int_equal(store_message_add(s, &f), 1);
	}
	/* Strictly older than the bound. */
	assert_int_equal(store_messages_purge(s, 1200), 2);
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(store_messages_since(s, 0, collect_msg, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.keys[0], "2@x");
	msg_list_done(&l);
	assert_int_equal(store_messages_purge(s, 1200), 0);
	assert_int_equal(store_messages_purge(s, INT64_MAX), 3);
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 0);
	store_close(s);
}

static void test_transactions(void **state)
{
	_cleanup_free_ char *path = NULL;
	struct store *s = open_new(&path);
	struct msg_features a = make_msg("a@x", 1), b = make_msg("b@x", 2);
	uint32_t v, u;
	uint64_t n = 0;

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), -EBUSY);
	assert_int_equal(store_message_add(s, &a), 1);
	assert_int_equal(store_folder_set(s, "work", "INBOX", 1, 10), 0);
	assert_int_equal(store_rollback(s), 0);
	/* Really discarded. */
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_folder_get(s, "work", "INBOX", &v, &u), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_commit(s), -EINVAL);

	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_message_add(s, &a), 1);
	assert_int_equal(store_message_add(s, &b), 1);
	assert_int_equal(store_folder_set(s, "work", "INBOX", 1, 10), 0);
	assert_int_equal(store_commit(s), 0);
	store_close(s);

	assert_int_equal(raw_int(path, "SELECT count(*) FROM messages"), 2);
	assert_int_equal(raw_int(path, "SELECT last_uid FROM folders"), 10);
}

/* A process killed in the middle of a batch loses nothing committed and
 * leaves nothing of the open batch. */
static void test_kill_during_batch(void **state)
{
	_cleanup_free_ char *path = db_path();
	struct store *s = NULL;
	uint32_t v = 0, u = 0;
	uint64_t n = 0;
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct msg_features f;
		char key[32];

		if (store_open(path, &s, NULL) < 0 || store_begin(s) < 0)
			_exit(10);
		for (int i = 0; i < 50; i++) {
			(void) snprintf(key, sizeof(key), "%d@batch1", i);
			f = make_msg(key, i);
			if (store_message_add(s, &f) != 1)
				_exit(11);
		}
		if (store_folder_set(s, "work", "INBOX", 7, 50) < 0 || store_commit(s) < 0)
			_exit(12);
		if (store_begin(s) < 0)
			_exit(13);
		for (int i = 0; i < 50; i++) {
			(void) snprintf(key, sizeof(key), "%d@batch2", i);
			f = make_msg(key, i);
			if (store_message_add(s, &f) != 1)
				_exit(14);
		}
		(void) store_folder_set(s, "work", "INBOX", 7, 100);
		raise(SIGKILL);
		_exit(15);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	assert_int_equal(store_open(path, &s, NULL), 0);
	assert_int_equal(store_message_count(s, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(store_folder_get(s, "work", "INBOX", &v, &u), 1);
	assert_int_equal(u, 50);
	/* The batch is simply redone: nothing is counted twice. */
	struct msg_features f = make_msg("3@batch1", 3);
	assert_int_equal(store_message_add(s, &f), 0);
	store_close(s);
}

static void test_error_text(void **state)
{
	struct store *s = open_new(NULL);

	assert_string_equal(store_error(NULL), "no database");
	assert_int_equal(store_job_set(s, NULL, 1), -EINVAL);
	assert_true(strlen(store_error(s)) > 0);
	store_close(s);
	assert_null(store_close(NULL));
	alert_state_done(NULL);
	outbox_item_done(NULL);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return test_tmpdir_remove(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_reopen),
		cmocka_unit_test(test_wal_mode),
		cmocka_unit_test(test_newer_schema),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_message_duplicate),
		cmocka_unit_test(test_message_fields),
		cmocka_unit_test(test_evidence_bound),
		cmocka_unit_test(test_messages_since),
		cmocka_unit_test(test_reentrant_callback),
		cmocka_unit_test(test_folder_state),
		cmocka_unit_test(test_alert_state),
		cmocka_unit_test(test_outbox),
		cmocka_unit_test(test_jobs),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_kill_during_batch),
		cmocka_unit_test(test_error_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
