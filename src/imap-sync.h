/* SPDX-License-Identifier: MIT */
#pragma once

/* Read-only IMAP sync of one account (libetpan): connect (implicit TLS or
 * STARTTLS, certificate + host verified before LOGIN), LIST the configured
 * folders, EXAMINE each, fetch new UIDs (UIDVALIDITY + last UID per folder;
 * first run bounded by backfill_days with UID SEARCH SINCE) in batches of
 * UID, INTERNALDATE, RFC822.SIZE, BODYSTRUCTURE and header fields with
 * BODY.PEEK, then the text parts (BODY.PEEK, size-capped, never attachments),
 * analyse each message and store its features, one transaction per batch.
 * Never changes a flag. Logs per folder/account problems itself (it is the
 * layer that decides to skip).
 *
 * Also: the rescan of stored messages (`redflag rescan`) and the IDLE
 * sessions of the daemon, over the same verified connection. */

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "lexicon.h"
#include "model.h"
#include "store.h"

#define IMAP_BATCH 100
#define IMAP_TIMEOUT_SEC 60
#define IMAP_PART_CAP (64U * 1024U) /* bytes fetched per text part */
#define IMAP_HEADER_CAP (64U * 1024U) /* bytes fetched of header fields / a part's MIME header */
#define IMAP_IDLE_START_SEC 10U     /* wait for IDLE's "+" (and for DONE at shutdown) */
#define IMAP_IDLE_REISSUE_SEC (25U * 60U) /* IDLE is ended and sent again this often (< 29 min) */

/* A hook called between batches, folders and accounts: the daemon feeds its
 * watchdog there and asks to stop on SIGTERM by returning false. Stopping
 * early loses nothing: every batch already fetched is committed. */
typedef bool (*imap_progress_fn)(void *userdata);
void imap_sync_set_progress(imap_progress_fn fn, void *userdata);
/* Calls the hook (if any): true means go on. */
bool imap_sync_progress(void);

struct sync_stats {
	unsigned folders;     /* folders examined */
	unsigned fetched;     /* messages fetched */
	unsigned stored;      /* new messages stored */
	unsigned duplicates;  /* already known (same Message-ID) */
};

/* Returns 0, or -errno with a one-line reason in *reterr (no secret in it):
 * connection, TLS, login failures. A folder that fails is logged and
 * skipped (still 0 unless every folder failed). */
int imap_sync_account(const struct conf *c, const struct conf_account *a, struct store *s,
		      const struct lexicon *lx, struct sync_stats *ret_stats, char **reterr);

struct rescan_stats {
	unsigned folders;   /* folders examined */
	unsigned messages;  /* stored messages of the account since `since` */
	unsigned rescored;  /* read again and scored with the current lexicons */
	unsigned skipped;   /* gone from the server, folder gone, UIDVALIDITY changed, unreadable */
	unsigned changed[_TONE_LABEL_MAX][_TONE_LABEL_MAX]; /* [stored label][new label] */
};

/* `redflag rescan`: reads again, over the same verified connection as the
 * sync (EXAMINE, BODY.PEEK: no flag changes), the text of every stored
 * message of account `a` whose INTERNALDATE >= since, and replaces its tone
 * fields (store_message_update_tone(), one transaction per batch). A folder
 * whose UIDVALIDITY changed, or that is gone, is skipped with a warning.
 * Bodies are never stored. *ret_stats is filled even on failure (what was
 * committed stays). Returns 0 or -errno with a reason in *reterr. */
int imap_rescan_account(const struct conf *c, const struct conf_account *a, struct store *s,
			const struct lexicon *lx, int64_t since, struct rescan_stats *ret_stats,
			char **reterr);

/* One connection idling on one folder (RFC 2177), for the daemon's event
 * loop: it polls imap_idle_fd() and calls imap_idle_cycle() when the fd is
 * readable, when imap_idle_has_buffered(), and every IMAP_IDLE_REISSUE_SEC.
 * Every call blocks at most IMAP_TIMEOUT_SEC per read or write. */
struct imap_idle;

/* Connects and logs in like the sync, finds `folder` (a name or pattern of
 * idle_folders, matched like `folders`; it must also be one of the synced
 * folders), EXAMINEs it and enters IDLE. Errors (-errno, reason in
 * *reterr): -EOPNOTSUPP the server has no IDLE; -ENOENT no such folder, or
 * not among the synced ones; -EREMOTEIO the IDLE command itself failed
 * (refused, or no "+" within IMAP_IDLE_START_SEC); others: connection, TLS,
 * login. */
int imap_idle_start(const struct conf_account *a, const char *folder, struct imap_idle **ret, char **reterr);
/* The socket to poll for input (POLLIN), or -EBADF. */
int imap_idle_fd(const struct imap_idle *i);
/* True when libetpan already holds unread server bytes (they came with the
 * "+" line): poll() would not report them, cycle now. */
bool imap_idle_has_buffered(const struct imap_idle *i);
/* Ends IDLE (DONE, reading whatever the server sent) and enters it again.
 * *new_mail is set in every case: true when EXISTS/RECENT arrived (the
 * folder has new messages: sync it). Returns 0, or -errno with *reterr: then
 * the session is unusable (free it and reconnect); -EREMOTEIO when IDLE
 * itself failed. */
int imap_idle_cycle(struct imap_idle *i, bool *new_mail, char **reterr);
/* The folder's UTF-8 name (as stored), its UIDVALIDITY and UIDNEXT at
 * EXAMINE (0: the server gave none). */
const char *imap_idle_folder(const struct imap_idle *i);
uint32_t imap_idle_uidvalidity(const struct imap_idle *i);
uint32_t imap_idle_uidnext(const struct imap_idle *i);
/* Leaves IDLE and logs out (each step bounded by IMAP_IDLE_START_SEC), or
 * just closes a broken session. NULL-safe; returns NULL. */
struct imap_idle *imap_idle_free(struct imap_idle *i);
