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
 * layer that decides to skip). */

#include <stdint.h>

#include "conf.h"
#include "lexicon.h"
#include "store.h"

#define IMAP_BATCH 100
#define IMAP_TIMEOUT_SEC 60
#define IMAP_PART_CAP (64U * 1024U) /* bytes fetched per text part */

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
