/* SPDX-License-Identifier: MIT */
#include <inttypes.h>

#include "alert.h"
#include "log.h"
#include "outbox.h"
#include "smtp.h"

#define OUTBOX_RETRY_DEFAULT 60

int64_t outbox_retry_delay(unsigned retry_min, unsigned attempts)
{
	int64_t d = retry_min > 0 ? (int64_t) retry_min : OUTBOX_RETRY_DEFAULT;

	if (d >= OUTBOX_RETRY_MAX)
		return OUTBOX_RETRY_MAX;
	for (unsigned i = 1; i < attempts; i++) {
		d *= 2;
		if (d >= OUTBOX_RETRY_MAX)
			return OUTBOX_RETRY_MAX;
	}
	return d;
}

/* "45s", "2min", "1h", "1h30min" for log lines. */
static void format_delay(int64_t sec, char buf[static 32])
{
	if (sec >= 3600 && sec % 3600 == 0)
		snprintf(buf, 32, "%" PRId64 "h", sec / 3600);
	else if (sec >= 3600 && sec % 60 == 0)
		snprintf(buf, 32, "%" PRId64 "h%" PRId64 "min", sec / 3600, (sec % 3600) / 60);
	else if (sec >= 60 && sec % 60 == 0)
		snprintf(buf, 32, "%" PRId64 "min", sec / 60);
	else
		snprintf(buf, 32, "%" PRId64 "s", sec);
}

/* Copies of the due items, taken while the SELECT runs and sent after it. */
struct due_list {
	struct outbox_item *items;
	size_t n, allocated;
};

static void due_list_done(struct due_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		outbox_item_done(&l->items[i]);
	free(l->items);
	*l = (struct due_list) {};
}

static int collect_due(const struct outbox_item *o, void *userdata)
{
	struct due_list *l = userdata;
	struct outbox_item *dst;

	if (l->n == l->allocated) {
		size_t na = l->allocated ? l->allocated * 2 : 8;
		struct outbox_item *ni = reallocarray(l->items, na, sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		l->items = ni;
		l->allocated = na;
	}
	dst = &l->items[l->n];
	*dst = (struct outbox_item) {
		.id = o->id,
		.payload_len = o->payload_len,
		.status = o->status,
		.created_at = o->created_at,
		.next_attempt_at = o->next_attempt_at,
		.attempts = o->attempts,
		.sent_at = o->sent_at,
	};
	dst->message_id = strdup_null(o->message_id);
	dst->client_id = strdup_null(o->client_id);
	dst->kind = strdup_null(o->kind);
	dst->rcpt = strdup_null(o->rcpt);
	dst->last_error = strdup_null(o->last_error);
	dst->payload = malloc(o->payload_len + 1);
	if (dst->payload && o->payload) {
		memcpy(dst->payload, o->payload, o->payload_len);
		dst->payload[o->payload_len] = '\0';
	}
	if ((o->message_id && !dst->message_id) || (o->client_id && !dst->client_id) ||
	    (o->kind && !dst->kind) || (o->rcpt && !dst->rcpt) ||
	    (o->last_error && !dst->last_error) || !dst->payload) {
		outbox_item_done(dst);
		return -ENOMEM;
	}
	if (!o->payload)
		dst->payload_len = 0;
	l->n++;
	return 0;
}

/* "alert for 'acme'", "recovered notice for 'acme'", "test alert". */
static char *describe(const struct outbox_item *o)
{
	const char *what;

	if (streq_ptr(o->kind, "recovered"))
		what = "recovered notice";
	else if (streq_ptr(o->kind, "test"))
		what = "test alert";
	else if (streq_ptr(o->kind, "digest"))
		what = "digest";
	else
		what = "alert";
	if (isempty(o->client_id))
		return strdup(what);
	return strdup_printf("%s for '%s'", what, o->client_id);
}

static void log_outcome(int level, const char *message_id, const struct outbox_item *o,
			const char *text)
{
	_cleanup_free_ char *f_client = NULL, *f_id = NULL;

	f_client = strdup_printf("REDFLAG_CLIENT=%s", strempty(o->client_id));
	f_id = strdup_printf("REDFLAG_ALERT_ID=%s", strempty(o->message_id));
	if (f_client && f_id)
		log_event(level, message_id, text, f_client, f_id, (const char *) NULL);
	else
		log_full_errno(level, 0, "%s", text);
}

/* Records a failed attempt and logs it. */
static int record_failure(const struct conf *c, struct store *s, const struct outbox_item *o,
			  const char *reason, bool permanent, int64_t now)
{
	_cleanup_free_ char *what = NULL, *text = NULL;
	int64_t next = now;
	char delay[32];
	int r;

	if (!permanent)
		next = now + outbox_retry_delay(c->smtp_retry_min, o->attempts + 1);
	r = store_outbox_mark_failed(s, o->id, reason, permanent, next);
	if (r < 0)
		return log_error_errno(r, "Failed to record the delivery failure of <%s>: %s",
				       strempty(o->message_id), store_error(s));

	what = describe(o);
	if (permanent)
		text = strdup_printf("%s not delivered: %s, giving up (Message-ID <%s>)",
				     what ? what : "alert", reason, strempty(o->message_id));
	else {
		format_delay(next - now, delay);
		text = strdup_printf("%s not delivered: %s, will retry in %s",
				     what ? what : "alert", reason, delay);
	}
	if (text)
		log_outcome(permanent ? LOG_ERR : LOG_WARNING,
			    permanent ? ALERT_MESSAGE_FAILED : ALERT_MESSAGE_DEFERRED, o, text);
	return 0;
}

int outbox_deliver_due(const struct conf *c, struct store *s, int64_t now, unsigned *ret_sent,
		       unsigned *ret_failed)
{
	struct due_list due = {};
	_cleanup_free_ char *unreachable = NULL;
	unsigned sent = 0, failed = 0;
	int r, ret = 0;

	if (!c || !s)
		return -EINVAL;

	r = store_outbox_due(s, now, collect_due, &due);
	if (r < 0) {
		due_list_done(&due);
		return log_error_errno(r, "Failed to read the outbox: %s",
				       r == -ENOMEM ? "out of memory" : store_error(s));
	}

	for (size_t i = 0; i < due.n; i++) {
		const struct outbox_item *o = &due.items[i];
		_cleanup_free_ char *reason = NULL;
		long code = 0;

		if (!c->has_smtp) {
			/* Kept for when [smtp] comes back; nothing is lost. */
			log_debug("outbox item <%s> kept: no [smtp] configured",
				  strempty(o->message_id));
			continue;
		}

		if (unreachable) {
			/* The server did not answer for the previous item:
			 * do not wait for each of the others in turn. */
			r = record_failure(c, s, o, unreachable, false, now);
			failed++;
			if (r < 0 && ret == 0)
				ret = r;
			continue;
		}

		r = smtp_send(c, o->rcpt, o->payload, o->payload_len, &code, &reason);
		if (r >= 0) {
			_cleanup_free_ char *what = NULL, *text = NULL;

			r = store_outbox_mark_sent(s, o->id, now);
			if (r < 0) {
				/* Accepted but not recorded: it will be sent
				 * again, with the same Message-ID. */
				log_error_errno(r, "Failed to mark <%s> as sent, it may be sent twice: %s",
						strempty(o->message_id), store_error(s));
				if (ret == 0)
					ret = r;
				continue;
			}
			sent++;
			what = describe(o);
			text = strdup_printf("%s delivered (Message-ID <%s>)", what ? what : "alert",
					     strempty(o->message_id));
			if (text)
				log_outcome(LOG_INFO, ALERT_MESSAGE_DELIVERED, o, text);
			continue;
		}
		if (r == -ENOMEM && !reason) {
			ret = log_error_errno(r, "Failed to send <%s>: %m", strempty(o->message_id));
			break;
		}

		failed++;
		if (!reason)
			reason = strdup(strerror(-r));
		r = record_failure(c, s, o, reason ? reason : "unknown error", r == -EPERM, now);
		if (r < 0 && ret == 0)
			ret = r;
		if (code == 0 && reason && !unreachable)
			unreachable = strdup(reason);
	}

	due_list_done(&due);
	if (ret_sent)
		*ret_sent = sent;
	if (ret_failed)
		*ret_failed = failed;
	return ret;
}
