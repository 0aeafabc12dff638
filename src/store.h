/* SPDX-License-Identifier: MIT */
#pragma once

/* SQLite store (WAL). Schema versioned with PRAGMA user_version; a database
 * newer than this program is refused. Features only, never bodies.
 * Nothing here logs: errors are -errno, with sqlite's text available from
 * store_error() for the caller's log line. Every function uses prepared
 * statements. Times are seconds since the epoch (UTC). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

#define STORE_SCHEMA_VERSION 4

struct store;

/* Opens (creating the file mode 0600 and its schema, running migrations),
 * in WAL mode. Symbolic links are refused. Errors: -EPROTONOSUPPORT when the
 * database is newer than this program (message in *reterr, e.g. "database
 * schema version 7 is newer than this redflagd supports (1)"), -EIO etc. with
 * sqlite's text in *reterr (allocated, the caller frees it; reterr may be
 * NULL). path ":memory:" gives a private in-memory database (tests). */
int store_open(const char *path, struct store **ret, char **reterr);
/* Read-only open for reports (does not create or migrate; -ENOENT if absent,
 * -ENODATA for a file without our schema, -EPROTO for an older schema that
 * redflagd has not upgraded yet, -EPROTONOSUPPORT when newer). Writing
 * functions return -EROFS. */
int store_open_readonly(const char *path, struct store **ret, char **reterr);
struct store *store_close(struct store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct store *, store_close)
#define _cleanup_store_close_ _cleanup_(store_closep)

/* sqlite3_errmsg() of the last failure (or our own text for a refused
 * argument); valid until the next call on s. */
const char *store_error(struct store *s);

/* One transaction at a time: store_begin() inside an open one is -EBUSY. A
 * failed store_commit() leaves the transaction open: roll it back.
 * store_rollback() without an open transaction does nothing and returns 0. */
int store_begin(struct store *s);   /* BEGIN IMMEDIATE */
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* --- sync state, per account + folder ----------------------------------- */
/* Returns 1 and fills the out-params when known, 0 when never synced (the
 * out-params are then left untouched). */
int store_folder_get(struct store *s, const char *account, const char *folder,
		     uint32_t *ret_uidvalidity, uint32_t *ret_last_uid);
int store_folder_set(struct store *s, const char *account, const char *folder,
		     uint32_t uidvalidity, uint32_t last_uid);

/* --- messages ------------------------------------------------------------ */
/* Inserts by msgkey. Returns 1 when inserted, 0 when the message was already
 * known (then only its location account/folder/uidvalidity/uid is updated). */
int store_message_add(struct store *s, const struct msg_features *f);
/* Replaces the tone fields (scored, tone, label, language, categories,
 * evidence) of a known message (redflag rescan). 1 / 0 not found.
 * Evidence longer than MODEL_MAX_EVIDENCE is cut after its last whole line. */
int store_message_update_tone(struct store *s, const struct msg_features *f);

typedef int (*store_message_cb)(const struct msg_features *f, void *userdata);
/* Calls cb for every message with internal_date >= since, oldest first. A
 * negative return from cb stops and is returned; 0 at the end. The features
 * passed to cb belong to the store and live for that call only (copy what
 * you keep). The callback may call other store functions. */
int store_messages_since(struct store *s, int64_t since, store_message_cb cb, void *userdata);
/* Number of stored messages (all). */
int store_message_count(struct store *s, uint64_t *ret);
/* Deletes messages older than `before`; returns the number deleted. */
int store_messages_purge(struct store *s, int64_t before);

/* --- alert state, per client --------------------------------------------- */
struct alert_state {
	char *client_id;
	enum level level;         /* level at the last evaluation */
	int score;                /* score at the last evaluation */
	enum level alerted_level; /* level of the last alert sent (queued), LEVEL_NONE if none */
	int64_t alerted_at;       /* when it was queued, 0 if never */
	char *alerted_red;        /* comma-separated red symbols at that alert, "" if none */
	int64_t evaluated_at;
};
void alert_state_done(struct alert_state *a);
/* 1 found (*ret filled with allocated strings: alert_state_done() it), 0 not
 * found (*ret untouched). */
int store_alert_state_get(struct store *s, const char *client_id, struct alert_state *ret);
int store_alert_state_set(struct store *s, const struct alert_state *a);

/* --- outbox -------------------------------------------------------------- */
enum outbox_status {
	OUTBOX_PENDING,
	OUTBOX_SENT,
	OUTBOX_FAILED, /* permanent refusal (5xx); kept for the owner to see */
	_OUTBOX_STATUS_MAX,
	_OUTBOX_STATUS_INVALID = -EINVAL,
};

struct outbox_item {
	int64_t id;
	char *message_id;  /* Message-ID header value without <>, unique */
	char *client_id;   /* may be NULL (test alert) */
	char *kind;        /* "alert", "recovered", "test", "digest" */
	char *rcpt;        /* envelope recipient */
	char *payload;     /* the whole RFC 5322 message, CRLF line ends */
	size_t payload_len;
	enum outbox_status status;
	int64_t created_at;
	int64_t next_attempt_at;
	unsigned attempts;
	char *last_error;  /* NULL or the last failure reason */
	int64_t sent_at;
};
void outbox_item_done(struct outbox_item *o);
/* "pending", "sent", "failed" and back. */
const char *outbox_status_to_string(enum outbox_status st);
enum outbox_status outbox_status_from_string(const char *s);

/* Adds a pending item (created_at and next_attempt_at as given); sets *ret_id.
 * payload_len 0 means strlen(payload). -EEXIST when the Message-ID is already
 * in the outbox. */
int store_outbox_add(struct store *s, const struct outbox_item *o, int64_t *ret_id);
typedef int (*store_outbox_cb)(const struct outbox_item *o, void *userdata);
/* Pending items whose next_attempt_at <= now, oldest first. Items passed to
 * cb belong to the store for that call only (payload is NUL-terminated too);
 * a negative return from cb stops and is returned. */
int store_outbox_due(struct store *s, int64_t now, store_outbox_cb cb, void *userdata);
/* All items (newest first, at most `limit`, 0: no limit), for reports and tests. */
int store_outbox_list(struct store *s, unsigned limit, store_outbox_cb cb, void *userdata);
/* -ENOENT when there is no such item. */
int store_outbox_mark_sent(struct store *s, int64_t id, int64_t at);
/* Records a failed attempt: attempts+1, last_error (cut at 1 KiB); permanent →
 * OUTBOX_FAILED, else stays pending until next_attempt_at. -ENOENT when there
 * is no such item. */
int store_outbox_mark_failed(struct store *s, int64_t id, const char *error, bool permanent,
			     int64_t next_attempt_at);
/* Number of pending items and the earliest next_attempt_at (0 if none). */
int store_outbox_pending(struct store *s, unsigned *ret_count, int64_t *ret_next);
/* Retention: deletes sent and failed items created before `before` (pending
 * ones are kept whatever their age); returns the number deleted. */
int store_outbox_purge(struct store *s, int64_t before);

/* --- jobs ------------------------------------------------------------------ */
/* 1 and *ret when the job ran before, 0 never. */
int store_job_get(struct store *s, const char *job, int64_t *ret_last_run);
int store_job_set(struct store *s, const char *job, int64_t last_run);

/* --- notes (interventions) and daily score snapshots ----------------------- */
int store_note_add(struct store *s, const char *client_id, int64_t at, const char *text);
typedef int (*store_note_cb)(const char *client_id, int64_t at, const char *text, void *userdata);
/* Notes of client_id (NULL: all clients), oldest first. */
int store_notes_list(struct store *s, const char *client_id, store_note_cb cb, void *userdata);

int store_snapshot_set(struct store *s, const char *client_id, int64_t day, int score,
		       enum level level);
typedef int (*store_snapshot_cb)(const char *client_id, int64_t day, int score, enum level level,
				 void *userdata);
/* Snapshots with day >= since, oldest first (client_id NULL: all clients). */
int store_snapshots_list(struct store *s, const char *client_id, int64_t since,
			 store_snapshot_cb cb, void *userdata);
