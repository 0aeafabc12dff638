/* SPDX-License-Identifier: MIT */
#pragma once

/* MIME parsing and decoding, wrapped once around GMime 3. Turns a whole
 * message (redflag scan) or the pieces fetched over IMAP (header fields +
 * text parts) into the same struct: sender, date, ids, automated flag and the
 * chosen text part decoded to UTF-8 (text/plain preferred over text/html in
 * an alternative; HTML-only becomes text through html-text). Bounded: input
 * size, MIME depth, number of parts, decoded text size. Pure: no I/O, no
 * logging. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIME_MAX_MESSAGE (32U * 1024U * 1024U) /* whole message accepted by scan */
#define MIME_MAX_TEXT (256U * 1024U)           /* decoded text kept per message */
#define MIME_MAX_DEPTH 16
#define MIME_MAX_PARTS 64

struct mime_message {
	char *from;        /* lower-case addr-spec of From: (Sender: if no From:), "" when none */
	char *from_name;   /* display name, decoded, may be NULL */
	char *subject;     /* decoded, may be NULL */
	char *message_id;  /* without <>, NULL when missing */
	char *header_hash; /* "hash:<sha256 hex>" over the raw header fields, always set */
	int64_t date;      /* Date: header, 0 when missing/unparsable */
	bool automated;    /* Auto-Submitted != no, Precedence bulk/list/junk, List-Id,
			      empty or MAILER-DAEMON sender */
	char *text;        /* UTF-8 text of the chosen part, NULL when there is none */
	bool text_from_html;
};

void mime_message_done(struct mime_message *m);

/* Whole RFC 5322 message (an mbox "From " first line is skipped). */
int mime_message_parse(const char *raw, size_t len, struct mime_message *ret);

/* IMAP path: the message's header fields and up to MIME_MAX_PARTS text parts,
 * each given as its MIME header (BODY.PEEK[n.MIME], or for a single-part
 * message the message header itself) and its still-encoded body
 * (BODY.PEEK[n] or BODY.PEEK[TEXT], possibly truncated by a size cap). The
 * first part that decodes to text wins, a text/plain over a text/html. */
struct mime_part_raw {
	const char *mime_header;
	size_t mime_header_len;
	const char *body;
	size_t body_len;
};
int mime_message_from_parts(const char *header, size_t header_len, const struct mime_part_raw *parts,
			    size_t n_parts, struct mime_message *ret);

/* Is an address (lower-case) an automated sender (MAILER-DAEMON, empty)? */
bool mime_sender_is_automated(const char *address);
