/* SPDX-License-Identifier: MIT */
#include "alert.h"
#include "clock.h"
#include "imap-sync.h"
#include "jobs.h"
#include "log.h"
#include "outbox.h"
#include "rules.h"

/* A periodic job: its name in the jobs table and how often it is due. */
struct job {
	const char *name;
	int64_t interval; /* seconds */
	int (*run)(const struct conf *c, struct store *s, const struct eval *e, int64_t now);
};

static int job_snapshot(const struct conf *c, struct store *s, const struct eval *e, int64_t now)
{
	int64_t day = now - (now % SEC_PER_DAY);
	int r;

	r = store_begin(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < e->n_clients; i++) {
		r = store_snapshot_set(s, e->clients[i].client->id, day, e->clients[i].score,
				       e->clients[i].level);
		if (r < 0) {
			(void) store_rollback(s);
			return r;
		}
	}
	r = store_commit(s);
	if (r < 0)
		(void) store_rollback(s);
	return r;
}

static int job_retention(const struct conf *c, struct store *s, const struct eval *e, int64_t now)
{
	int64_t before = now - (int64_t) c->retention_days * SEC_PER_DAY;
	int r;

	r = store_messages_purge(s, before);
	if (r < 0)
		return r;
	if (r > 0)
		log_info("retention: %d messages older than %u days purged", r, c->retention_days);
	/* Sent alerts quote the client's words: they age out too. */
	r = store_outbox_purge(s, before);
	return r < 0 ? r : 0;
}

static const struct job daily_jobs[] = {
	{ "snapshot", SEC_PER_DAY, job_snapshot },
	{ "retention", SEC_PER_DAY, job_retention },
};

static int run_daily_jobs(const struct conf *c, struct store *s, const struct eval *e, int64_t now)
{
	int ret = 0;

	for (size_t i = 0; i < ELEMENTSOF(daily_jobs); i++) {
		const struct job *j = &daily_jobs[i];
		int64_t last = 0;
		int r;

		r = store_job_get(s, j->name, &last);
		if (r < 0)
			return log_error_errno(r, "Failed to read the last run of job '%s': %s",
					       j->name, store_error(s));
		/* Due when never run, or when the interval has passed (or the
		 * clock went back, e.g. REDFLAGD_NOW in tests). */
		if (r > 0 && now >= last && now - last < j->interval)
			continue;
		r = j->run(c, s, e, now);
		if (r < 0) {
			ret = log_error_errno(r, "Job '%s' failed: %s", j->name, store_error(s));
			continue;
		}
		r = store_job_set(s, j->name, now);
		if (r < 0)
			ret = log_error_errno(r, "Failed to record the run of job '%s': %s",
					      j->name, store_error(s));
	}
	return ret;
}

int jobs_evaluate_and_deliver(const struct conf *c, struct store *s, struct jobs_stats *stats)
{
	_cleanup_eval_free_ struct eval *e = NULL;
	int64_t now = clock_now();
	unsigned queued = 0, sent = 0, failed = 0;
	int r, ret = 0;

	r = rules_evaluate(c, s, now, &e);
	if (r < 0)
		return log_error_errno(r, "Failed to evaluate clients: %s", store_error(s));

	r = alert_process(c, s, e, now, &queued);
	if (r < 0)
		ret = log_error_errno(r, "Failed to record alert decisions: %s", store_error(s));
	stats->alerts_queued += queued;

	if (c->has_smtp) {
		r = outbox_deliver_due(c, s, clock_now(), &sent, &failed);
		if (r < 0)
			ret = log_error_errno(r, "Failed to deliver the outbox: %s", store_error(s));
		stats->alerts_sent += sent;
		stats->alerts_failed += failed;
	}

	r = run_daily_jobs(c, s, e, now);
	if (r < 0 && ret == 0)
		ret = r;
	return ret;
}

int jobs_run_pass(const struct conf *c, struct store *s, const struct lexicon *lx, bool sync,
		  struct jobs_stats *ret)
{
	struct jobs_stats stats = {};
	int r, result = 0;

	for (size_t i = 0; sync && i < c->n_accounts && imap_sync_progress(); i++) {
		const struct conf_account *a = &c->accounts[i];
		_cleanup_free_ char *err = NULL;
		struct sync_stats ss = {};

		r = imap_sync_account(c, a, s, lx, &ss, &err);
		if (r < 0) {
			/* One bad account never stops the others. */
			log_error("account '%s': %s", a->name, err ? err : strerror(-r));
			stats.accounts_failed++;
			result = r;
			continue;
		}
		log_info("account '%s': %u folders, %u messages fetched, %u new", a->name,
			 ss.folders, ss.fetched, ss.stored);
		stats.messages_stored += ss.stored;
	}

	r = jobs_evaluate_and_deliver(c, s, &stats);
	if (r < 0)
		result = r;

	if (ret)
		*ret = stats;
	return result;
}
