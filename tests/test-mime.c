/* SPDX-License-Identifier: MIT */
/* mime-text and html-text: headers, charsets, transfer encodings, part
 * choice, the IMAP path with truncated parts, automated senders, HTML to
 * text; and a robustness pass over real mail from ../shared/corpus when it
 * is there. Fixtures live in tests/data/mime/. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <sys/stat.h>

#include "html-text.h"
#include "mime-text.h"
#include "text-clean.h"
#include "util.h"

static const char *srcdir(void)
{
	const char *d = getenv("abs_top_srcdir");

	return d ? d : ".";
}

static char *load_fixture(const char *name, size_t *ret_len)
{
	_cleanup_free_ char *path = strdup_printf("%s/tests/data/mime/%s", srcdir(), name);
	char *buf = NULL;
	size_t len = 0;

	assert_non_null(path);
	if (read_full_file(path, MIME_MAX_MESSAGE, &buf, &len) < 0)
		fail_msg("cannot read fixture %s", path);
	if (ret_len)
		*ret_len = len;
	return buf;
}

/* Parses a fixture; asserts success and well-formed fields. */
static void parse_fixture(const char *name, struct mime_message *m)
{
	_cleanup_free_ char *raw = NULL;
	size_t len;

	raw = load_fixture(name, &len);
	assert_int_equal(mime_message_parse(raw, len, m), 0);
	assert_non_null(m->from);
	assert_non_null(m->header_hash);
	if (m->text)
		assert_true(g_utf8_validate(m->text, -1, NULL));
}

static void parse_string(const char *raw, struct mime_message *m)
{
	assert_int_equal(mime_message_parse(raw, strlen(raw), m), 0);
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

/* ---- headers ------------------------------------------------------------ */

static void test_headers_rfc2047(void **state)
{
	struct mime_message m = {};

	parse_fixture("headers-2047.eml", &m);
	assert_string_equal(m.from, "francois.muller@example.fr");
	assert_string_equal(m.from_name, "François Müller");          /* Q encoding */
	assert_string_equal(m.subject, "Réponse urgente €");          /* B + Q words */
	assert_string_equal(m.message_id, "ABC.123@mail.example.fr"); /* no <> */
	assert_int_equal(m.date, 1705307400);                         /* 2024-01-15T08:30:00Z */
	assert_false(m.automated);
	assert_int_equal(strlen(m.header_hash), 5 + 64);
	assert_memory_equal(m.header_hash, "hash:", 5);
	assert_string_equal(m.text, "Hi\n");
	assert_false(m.text_from_html);
	mime_message_done(&m);
}

static void test_headers_sender_fallback(void **state)
{
	struct mime_message m = {};

	parse_fixture("sender-only.eml", &m);
	assert_string_equal(m.from, "robot@example.net");
	assert_string_equal(m.from_name, "Support Robot");
	assert_null(m.message_id);
	mime_message_done(&m);

	/* From wins over Sender. */
	parse_string(
	    "From: Alice <alice@example.com>\nSender: list@example.org\nSubject: x\n\nHi\n", &m);
	assert_string_equal(m.from, "alice@example.com");
	mime_message_done(&m);
}

static void test_headers_missing(void **state)
{
	struct mime_message m = {};

	parse_fixture("no-msgid.eml", &m);
	assert_string_equal(m.from, "dave@example.org");
	assert_null(m.from_name);
	assert_null(m.message_id);
	assert_int_equal(m.date, 1705307400);
	mime_message_done(&m);

	parse_string("Subject: nothing else\n\nbody\n", &m);
	assert_string_equal(m.from, "");
	assert_true(m.automated); /* no sender at all */
	assert_int_equal(m.date, 0);
	assert_null(m.message_id);
	mime_message_done(&m);

	parse_string("From: a@example.com\nDate: not a date at all\n\nbody\n", &m);
	assert_int_equal(m.date, 0);
	mime_message_done(&m);
}

static void test_header_hash_stable(void **state)
{
	static const char lf[] = "From: dave@example.org\nSubject: no id\nDate: Mon, 15 Jan 2024 "
				 "08:30:00 +0000\n\nOne\n";
	static const char crlf[] = "From: dave@example.org\r\nSubject: no id\r\nDate: Mon, 15 Jan "
				   "2024 08:30:00 +0000\r\n\r\nTwo\r\n";
	static const char other[] = "From: dave@example.org\nSubject: no id!\nDate: Mon, 15 Jan "
				    "2024 08:30:00 +0000\n\nOne\n";
	struct mime_message a = {}, b = {}, c = {}, d = {};
	_cleanup_free_ char *raw = NULL;
	size_t len;

	raw = load_fixture("no-msgid.eml", &len);
	assert_int_equal(mime_message_parse(raw, len, &a), 0);
	assert_int_equal(mime_message_parse(raw, len, &b), 0);
	assert_string_equal(a.header_hash, b.header_hash);
	mime_message_done(&a);
	mime_message_done(&b);

	/* Only the header counts, and line ends do not. */
	parse_string(lf, &a);
	parse_string(crlf, &b);
	parse_string(other, &c);
	assert_string_equal(a.header_hash, b.header_hash);
	assert_string_not_equal(a.header_hash, c.header_hash);

	/* The IMAP path hashes the fetched header the same way. */
	static const char hdr[] = "From: dave@example.org\r\nSubject: no id\r\nDate: Mon, 15 Jan "
				  "2024 08:30:00 +0000\r\n\r\n";
	assert_int_equal(mime_message_from_parts(hdr, strlen(hdr), NULL, 0, &d), 0);
	assert_string_equal(a.header_hash, d.header_hash);
	assert_null(d.text);
	mime_message_done(&a);
	mime_message_done(&b);
	mime_message_done(&c);
	mime_message_done(&d);
}

static void test_mbox_from_line(void **state)
{
	struct mime_message m = {};

	parse_fixture("mbox-from.eml", &m);
	assert_string_equal(m.from, "dave@example.org");
	assert_string_equal(m.from_name, "Dave");
	assert_string_equal(m.message_id, "mbox@example.org");
	assert_string_equal(m.text, "Mbox body\n");
	mime_message_done(&m);
}

static void test_parse_errors(void **state)
{
	struct mime_message m = {};

	assert_int_equal(mime_message_parse("", 0, &m), -EBADMSG);
	assert_int_equal(mime_message_parse("\n\nbody only\n", 12, &m), -EBADMSG);
	assert_int_equal(mime_message_parse("From nobody\n", 12, &m), -EBADMSG);
	assert_int_equal(mime_message_parse("x", (size_t) MIME_MAX_MESSAGE + 1, &m), -EFBIG);
	assert_int_equal(mime_message_parse(NULL, 0, &m), -EINVAL);
	assert_null(m.from);
	assert_null(m.header_hash);
	mime_message_done(&m); /* on a zeroed struct: harmless */
}

/* ---- automated senders ------------------------------------------------- */

static bool automated_with(const char *headers)
{
	_cleanup_free_ char *raw =
	    strdup_printf("%sSubject: s\nMessage-ID: <a@b>\n\nbody\n", headers);
	struct mime_message m = {};
	bool r;

	assert_non_null(raw);
	parse_string(raw, &m);
	r = m.automated;
	mime_message_done(&m);
	return r;
}

static void test_automated(void **state)
{
	assert_false(automated_with("From: alice@example.com\n"));
	assert_true(automated_with("From: alice@example.com\nAuto-Submitted: auto-replied\n"));
	assert_true(
	    automated_with("From: alice@example.com\nAuto-Submitted: auto-generated; type=x\n"));
	assert_false(automated_with("From: alice@example.com\nAuto-Submitted: no\n"));
	assert_false(automated_with("From: alice@example.com\nAuto-Submitted:  No (human)\n"));
	assert_true(automated_with("From: alice@example.com\nPrecedence: bulk\n"));
	assert_true(automated_with("From: alice@example.com\nPrecedence: List\n"));
	assert_true(automated_with("From: alice@example.com\nPrecedence: junk\n"));
	assert_false(automated_with("From: alice@example.com\nPrecedence: first-class\n"));
	assert_true(
	    automated_with("From: alice@example.com\nList-Id: Help desk <help.example.com>\n"));
	assert_true(automated_with("From: MAILER-DAEMON@mx.example.com\n"));
	assert_true(automated_with("From: Mail Delivery System <Mailer-Daemon@mx.example.com>\n"));
	assert_true(automated_with("From: postmaster@example.com\n"));
	assert_true(automated_with("From: <>\n"));
	assert_true(automated_with(""));
}

static void test_sender_is_automated(void **state)
{
	assert_true(mime_sender_is_automated(NULL));
	assert_true(mime_sender_is_automated(""));
	assert_true(mime_sender_is_automated("<>"));
	assert_true(mime_sender_is_automated("mailer-daemon@example.com"));
	assert_true(mime_sender_is_automated("MAILER-DAEMON@example.com"));
	assert_true(mime_sender_is_automated("mailer-daemon"));
	assert_true(mime_sender_is_automated("postmaster@example.com"));
	assert_false(mime_sender_is_automated("alice@example.com"));
	assert_false(mime_sender_is_automated("daemon@example.com"));
	assert_false(mime_sender_is_automated("mailer-daemon.fan@example.com"));
}

/* ---- charsets and transfer encodings ----------------------------------- */

static void assert_text(const char *fixture, const char *expected)
{
	struct mime_message m = {};

	parse_fixture(fixture, &m);
	assert_non_null(m.text);
	assert_string_equal(m.text, expected);
	assert_false(m.text_from_html);
	mime_message_done(&m);
}

static void test_charset_utf8(void **state)
{
	assert_text("utf8.eml", "Café déjà vu – “quoted” ½\n");
}

static void test_charset_latin1(void **state)
{
	assert_text("latin1.eml", "Très déçu, à réparer.\n");
}

static void test_charset_latin9_euro(void **state)
{
	assert_text("latin9.eml", "Prix : 100 € œuvre\n");
}

static void test_charset_cp1252(void **state)
{
	assert_text("cp1252.eml", "“Inacceptable” — 50 € …\n");
}

static void test_charset_unknown(void **state)
{
	/* "x-foo" is no charset: bytes read as Windows-1252. */
	assert_text("unknown-charset.eml", "Réponse “vite”\n");
}

static void test_charset_lying_utf8(void **state)
{
	/* Labelled utf-8 but Latin-1 bytes. */
	assert_text("lying-utf8.eml", "Déjà payé\n");
}

static void test_charset_misc(void **state)
{
	struct mime_message m = {};

	/* A real but unusual charset through iconv. */
	parse_string("From: a@example.com\nContent-Type: text/plain; "
		     "charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n",
		     &m);
	assert_string_equal(m.text, "Привет\n");
	mime_message_done(&m);

	/* Invalid for the label (an iso-2022-jp escape gone wrong): valid UTF-8 anyway. */
	parse_string("From: a@example.com\nContent-Type: text/plain; "
		     "charset=iso-2022-jp\n\n\x1b$B\xff\xfe\x1b(B ok\n",
		     &m);
	assert_non_null(m.text);
	assert_true(g_utf8_validate(m.text, -1, NULL));
	mime_message_done(&m);

	/* No label, 8-bit: UTF-8 when it is, else Windows-1252. */
	parse_string("From: a@example.com\n\n\xc3\xa9t\xc3\xa9\n", &m);
	assert_string_equal(m.text, "été\n");
	mime_message_done(&m);
	parse_string("From: a@example.com\n\n\xe9t\xe9\n", &m);
	assert_string_equal(m.text, "été\n");
	mime_message_done(&m);

	/* NULs dropped, CR and CRLF become LF. */
	parse_string("From: a@example.com\n\nA\rB\r\nC\n", &m);
	assert_string_equal(m.text, "A\nB\nC\n");
	mime_message_done(&m);
}

static void test_quoted_printable(void **state)
{
	assert_text("qp-crlf.eml", "Voici une très longue ligne qui est coupée par un saut de "
				   "ligne doux au milieu du mot.\n"
				   "Café crÃ¨me\n");
	assert_text("qp-utf8.eml", "Le café est froid.\n");
}

static void test_base64(void **state)
{
	assert_text("base64.eml", "Bonjour, la facture n’est toujours pas réglée.\nMerci.\n");
}

static void test_text_size_capped(void **state)
{
	size_t n = (size_t) MIME_MAX_TEXT * 2;
	_cleanup_free_ char *raw = malloc(n + 64);
	struct mime_message m = {};
	size_t k;

	assert_non_null(raw);
	k = (size_t) snprintf(raw, 64, "From: a@example.com\n\n");
	for (size_t i = 0; i < n; i += 2) {
		raw[k++] = '\xc3'; /* é é é ... */
		raw[k++] = '\xa9';
	}
	assert_int_equal(mime_message_parse(raw, k, &m), 0);
	assert_non_null(m.text);
	assert_true(strlen(m.text) <= MIME_MAX_TEXT);
	assert_true(strlen(m.text) >= MIME_MAX_TEXT - 4);
	assert_true(g_utf8_validate(m.text, -1, NULL));
	mime_message_done(&m);

	/* Header fields are bounded too. */
	GString *s = g_string_new("From: a@example.com\nSubject: ");
	for (unsigned i = 0; i < 3000; i++)
		g_string_append(s, "\xc3\xa9");
	g_string_append(s, "\n\nbody\n");
	parse_string(s->str, &m);
	assert_non_null(m.subject);
	assert_true(strlen(m.subject) <= 998);
	assert_true(strlen(m.subject) >= 990);
	assert_true(g_utf8_validate(m.subject, -1, NULL));
	mime_message_done(&m);
	g_string_free(s, TRUE);
}

/* ---- structure --------------------------------------------------------- */

static void test_html_only(void **state)
{
	struct mime_message m = {};

	parse_fixture("html-only.eml", &m);
	assert_true(m.text_from_html);
	assert_string_equal(m.text,
			    "Hello team,\n\nThis is really énervant & slow.\n\nLine one\nLine two");
	assert_false(contains(m.text, "SCRIPTTEXT"));
	assert_false(contains(m.text, "color"));
	assert_false(contains(m.text, "QUOTEDTEXT"));
	assert_false(contains(m.text, "GMAILQUOTE"));
	mime_message_done(&m);

	parse_fixture("outlook-html.eml", &m);
	assert_true(m.text_from_html);
	assert_string_equal(m.text, "C'est inadmissible, je veux une réponse.\nCordialement");
	mime_message_done(&m);
}

static void test_alternative_prefers_plain(void **state)
{
	struct mime_message m = {};

	parse_fixture("alternative.eml", &m);
	assert_string_equal(m.text, "PLAINVERSION here");
	assert_false(m.text_from_html);
	mime_message_done(&m);

	/* An empty text/plain does not hide the HTML. */
	parse_string("From: a@example.com\nContent-Type: multipart/alternative; boundary=Z\n\n"
		     "--Z\nContent-Type: text/plain\n\n \n--Z\nContent-Type: text/html\n\n<p>Real "
		     "words</p>\n--Z--\n",
		     &m);
	assert_string_equal(m.text, "Real words");
	assert_true(m.text_from_html);
	mime_message_done(&m);
}

static void test_attachment_ignored(void **state)
{
	struct mime_message m = {};

	parse_fixture("attachment.eml", &m);
	assert_string_equal(m.text, "BODYTEXT please see attached");
	mime_message_done(&m);

	parse_fixture("attachment-only.eml", &m);
	assert_null(m.text);
	mime_message_done(&m);
}

static void test_rfc822_not_descended(void **state)
{
	struct mime_message m = {};

	parse_fixture("rfc822.eml", &m);
	assert_string_equal(m.text, "MYOWNWORDS about it");
	assert_string_equal(m.from, "bob@example.org"); /* not the inner From */
	mime_message_done(&m);

	parse_fixture("rfc822-only.eml", &m);
	assert_null(m.text);
	mime_message_done(&m);
}

static void test_depth_and_parts_capped(void **state)
{
	GString *s =
	    g_string_new("From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n");
	struct mime_message m = {};

	/* Text below MIME_MAX_DEPTH levels of nesting is not reached. */
	for (unsigned i = 1; i <= MIME_MAX_DEPTH + 4; i++)
		g_string_append_printf(s, "--b%u\nContent-Type: multipart/mixed; boundary=b%u\n\n",
				       i - 1, i);
	g_string_append_printf(s, "--b%u\nContent-Type: text/plain\n\nDEEP\n", MIME_MAX_DEPTH + 4);
	parse_string(s->str, &m);
	assert_null(m.text);
	mime_message_done(&m);
	g_string_free(s, TRUE);

	/* Only the first MIME_MAX_PARTS parts are looked at. */
	s = g_string_new("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n");
	for (unsigned i = 0; i < MIME_MAX_PARTS + 10; i++)
		g_string_append(s, "--b\nContent-Type: image/png\n\nx\n");
	g_string_append(s, "--b\nContent-Type: text/plain\n\nLATE\n--b--\n");
	parse_string(s->str, &m);
	assert_null(m.text);
	mime_message_done(&m);
	g_string_free(s, TRUE);
}

/* ---- IMAP path ---------------------------------------------------------- */

static const char imap_header[] = "From: =?UTF-8?Q?Z=C3=A9lie?= <Zelie@Example.com>\r\n"
				  "Subject: =?UTF-8?B?RmFjdHVyZSBpbXBhecOpZQ==?=\r\n"
				  "Date: Tue, 02 Jan 2024 10:00:00 +0100\r\n"
				  "Message-ID: <imap-1@example.com>\r\n"
				  "\r\n";

static void test_from_parts_truncated_base64(void **state)
{
	static const char mh_html[] = "Content-Type: text/html; charset=utf-8\r\n";
	static const char html[] = "<p>HTMLTEXT</p>";
	static const char mh_b64[] = "Content-Type: text/plain; charset=utf-8\r\n"
				     "Content-Transfer-Encoding: base64\r\n";
	/* base64("Déjà réglé, merci beaucoup") cut in the middle of a quantum */
	static const char b64[] = "RMOpasOgIHLDqWdsw6ksIG1lcmNpIGJlYXVjb3Vw";
	struct mime_part_raw parts[2] = {
	    {mh_html, strlen(mh_html), html, strlen(html)},
	    {mh_b64, strlen(mh_b64), b64, 26},
	};
	struct mime_message m = {};

	assert_int_equal(mime_message_from_parts(imap_header, strlen(imap_header), parts, 2, &m),
			 0);
	assert_string_equal(m.from, "zelie@example.com");
	assert_string_equal(m.from_name, "Zélie");
	assert_string_equal(m.subject, "Facture impayée");
	assert_string_equal(m.message_id, "imap-1@example.com");
	assert_int_equal(m.date, 1704186000);
	assert_false(m.automated);
	assert_memory_equal(m.header_hash, "hash:", 5);
	/* text/plain beats the earlier text/html; the cut quantum is dropped */
	assert_false(m.text_from_html);
	assert_string_equal(m.text, "Déjà réglé, me");
	mime_message_done(&m);

	/* Cut inside a UTF-8 sequence: the partial character goes, the
	 * rest is still read as UTF-8 (not Windows-1252). */
	parts[1].body = "YWLDqQ=="; /* "abé" */
	parts[1].body_len = 4;      /* "ab" + first byte of "é" */
	assert_int_equal(
	    mime_message_from_parts(imap_header, strlen(imap_header), parts + 1, 1, &m), 0);
	assert_string_equal(m.text, "ab");
	mime_message_done(&m);
}

static void test_from_parts_choice(void **state)
{
	static const char mh_html[] = "Content-Type: text/html; charset=iso-8859-1\r\n"
				      "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	static const char html[] =
	    "<div>Tr=E8s en retard</div><blockquote>old</blockquote><p>Fin =";
	static const char mh_att[] =
	    "Content-Type: text/plain\r\nContent-Disposition: attachment\r\n";
	static const char empty_plain_hdr[] = "Content-Type: text/plain\r\n";
	struct mime_part_raw parts[3] = {
	    {mh_att, strlen(mh_att), "ATTACHED", 8},
	    {empty_plain_hdr, strlen(empty_plain_hdr), "\r\n  \r\n", 6},
	    {mh_html, strlen(mh_html), html, strlen(html)},
	};
	struct mime_message m = {};

	assert_int_equal(mime_message_from_parts(imap_header, strlen(imap_header), parts, 3, &m),
			 0);
	assert_true(m.text_from_html);
	assert_string_equal(m.text, "Très en retard\n\nFin");
	mime_message_done(&m);

	/* A single-part message: the part header is the message header. */
	static const char single[] =
	    "From: a@example.com\r\nContent-Type: text/plain; charset=windows-1252\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n";
	struct mime_part_raw one = {single, strlen(single), "=93Non=94 merci=", 16};
	assert_int_equal(mime_message_from_parts(single, strlen(single), &one, 1, &m), 0);
	assert_string_equal(m.from, "a@example.com");
	assert_string_equal(m.text, "“Non” merci");
	mime_message_done(&m);

	/* Nothing usable. */
	assert_int_equal(mime_message_from_parts(imap_header, strlen(imap_header), parts, 1, &m),
			 0);
	assert_null(m.text);
	assert_non_null(m.header_hash);
	mime_message_done(&m);

	/* Automated headers are seen on this path too. */
	static const char auto_hdr[] =
	    "From: billing@example.com\r\nAuto-Submitted: auto-generated\r\n\r\n";
	assert_int_equal(mime_message_from_parts(auto_hdr, strlen(auto_hdr), NULL, 0, &m), 0);
	assert_true(m.automated);
	mime_message_done(&m);
}

static void test_repeated_parses(void **state)
{
	_cleanup_free_ char *raw = NULL;
	size_t len;

	/* Under ASan this also shows that nothing leaks per message. */
	raw = load_fixture("attachment.eml", &len);
	for (unsigned i = 0; i < 200; i++) {
		struct mime_message m = {};

		assert_int_equal(mime_message_parse(raw, len, &m), 0);
		mime_message_done(&m);
	}
}

/* ---- html-text ---------------------------------------------------------- */

static void assert_html(const char *html, const char *expected)
{
	_cleanup_free_ char *t = html_to_text(html, strlen(html));

	assert_non_null(t);
	assert_string_equal(t, expected);
}

static void test_html_to_text(void **state)
{
	assert_html("", "");
	assert_html("plain words", "plain words");
	assert_html("<p>One</p><p>Two</p>", "One\n\nTwo");
	assert_html("a<br>b<br><br>c", "a\nb\n\nc");
	assert_html("<ul><li>x</li><li>y</li></ul>", "x\ny");
	assert_html("<h1>Title</h1>text", "Title\n\ntext");
	assert_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc");
	assert_html("  lots   of\n\n  space\t here ", "lots of space here");
	assert_html("&lt;b&gt; &amp; &eacute;&#233;&#x20AC; caf&eacute;", "<b> & éé€ café");
	assert_html("<pre>keep  this\n  layout</pre>", "keep  this\n  layout");
	assert_html("text<pre>\ncode\n\nmore\n</pre>after", "text\n\ncode\n\nmore\n\nafter");
	assert_html("<div>reply</div><blockquote>old</blockquote>", "reply");
	assert_html("<div>reply</div><div class=\"x gmail_quote y\">On ... wrote:<br>old</div>",
		    "reply");
	assert_html(
	    "<p>reply</p><div id=\"appendonsend\"></div><hr><div>From: x</div><div>old</div>",
	    "reply");
	assert_html("<div>reply</div><div><div id=\"x_divRplyFwdMsg\">From</div></div><p>old</p>",
		    "reply");
	assert_html("<div>keep</div><blockquote type=\"cite\">cited</blockquote>", "keep");
	assert_html("<head><title>T</title><style>a{}</style></head><body>x<script>y()</script>"
		    "<noscript>n</noscript><template>t</template></body>",
		    "x");
	assert_html("<!-- comment -->text<!-- another -->", "text");
	assert_html("<img alt=\"smile\">", "smile");
}

static void test_html_hostile(void **state)
{
	_cleanup_free_ char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	GString *deep = g_string_new("<p>top</p>");
	int saved, fd;
	struct stat st;
	char tmpl[] = "/tmp/test-mime-stderr-XXXXXX";

	/* Broken HTML: no output on stderr, valid UTF-8 out. */
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	static const char broken[] =
	    "<p>broken <b><i>x</b></i> <foo:bar> &bogus; \0 <div</p>\xff\xfe<</</>";
	t1 = html_to_text(broken, sizeof(broken) - 1);
	for (unsigned i = 0; i < 100000; i++)
		g_string_append(deep, "<div>");
	g_string_append(deep, "x");
	t2 = html_to_text(deep->str, deep->len);
	t3 = html_to_text(NULL, 0);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);

	assert_non_null(t1);
	assert_true(g_utf8_validate(t1, -1, NULL));
	assert_true(contains(t1, "broken x"));
	assert_non_null(t2);
	assert_true(contains(t2, "top"));
	assert_non_null(t3);
	assert_string_equal(t3, "");
	g_string_free(deep, TRUE);
}

/* ---- real mail ---------------------------------------------------------- */

static int corpus_dir(const char *name, char **ret)
{
	char *p = strdup_printf("%s/../shared/corpus/%s", srcdir(), name);
	struct stat st;

	if (!p)
		return -ENOMEM;
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(p);
		return -ENOENT;
	}
	*ret = p;
	return 0;
}

static void check_corpus(const char *name, unsigned max)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **ents = NULL;
	unsigned parsed = 0, with_text = 0, failed = 0;
	int n;

	if (corpus_dir(name, &dir) < 0) {
		/* Not cmocka's skip(): its TAP "not ok # SKIP" is a failure
		 * for automake's tap-driver. */
		print_message("# corpus %s absent, nothing to check\n", name);
		return;
	}
	n = scandir(dir, &ents, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && parsed + failed < max) {
			_cleanup_free_ char *path = strdup_printf("%s/%s", dir, ents[i]->d_name);
			_cleanup_free_ char *raw = NULL;
			struct mime_message m = {};
			size_t len;
			int r;

			assert_non_null(path);
			if (read_full_file(path, MIME_MAX_MESSAGE, &raw, &len) < 0) {
				free(ents[i]);
				continue;
			}
			r = mime_message_parse(raw, len, &m);
			if (r < 0) {
				/* The only accepted failure: no header at all. */
				assert_int_equal(r, -EBADMSG);
				failed++;
			} else {
				parsed++;
				assert_non_null(m.from);
				assert_true(g_utf8_validate(m.from, -1, NULL));
				for (const char *c = m.from; *c; c++)
					assert_false(g_ascii_isupper(*c) || g_ascii_isspace(*c));
				if (m.from_name)
					assert_true(g_utf8_validate(m.from_name, -1, NULL));
				if (m.subject)
					assert_true(g_utf8_validate(m.subject, -1, NULL));
				if (m.message_id) {
					assert_true(g_utf8_validate(m.message_id, -1, NULL));
					assert_null(strchr(m.message_id, '<'));
				}
				assert_int_equal(strlen(m.header_hash), 5 + 64);
				assert_true(m.date >= 0);
				if (m.text) {
					_cleanup_free_ char *clean = NULL;

					with_text++;
					assert_true(g_utf8_validate(m.text, -1, NULL));
					assert_null(strchr(m.text, '\r'));
					assert_true(strlen(m.text) <= MIME_MAX_TEXT);
					clean = text_clean(m.text, strlen(m.text));
					assert_non_null(clean);
					assert_true(g_utf8_validate(clean, -1, NULL));
				}
			}
			mime_message_done(&m);
		}
		free(ents[i]);
	}
	free(ents);
	print_message("# corpus %s: %u parsed, %u with text, %u refused\n", name, parsed, with_text,
		      failed);
	assert_true(parsed >= MIN(max, 100U));
	assert_true(failed * 20 <= parsed);          /* at most 5% refused */
	assert_true(with_text * 100 >= parsed * 95); /* text found in nearly all */
}

static void test_corpus_easy_ham(void **state)
{
	check_corpus("easy_ham", 200);
}

static void test_corpus_spam(void **state)
{
	check_corpus("spam", 200);
}

static void test_corpus_lore(void **state)
{
	check_corpus("lore-cocci", 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_headers_rfc2047),
	    cmocka_unit_test(test_headers_sender_fallback),
	    cmocka_unit_test(test_headers_missing),
	    cmocka_unit_test(test_header_hash_stable),
	    cmocka_unit_test(test_mbox_from_line),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_automated),
	    cmocka_unit_test(test_sender_is_automated),
	    cmocka_unit_test(test_charset_utf8),
	    cmocka_unit_test(test_charset_latin1),
	    cmocka_unit_test(test_charset_latin9_euro),
	    cmocka_unit_test(test_charset_cp1252),
	    cmocka_unit_test(test_charset_unknown),
	    cmocka_unit_test(test_charset_lying_utf8),
	    cmocka_unit_test(test_charset_misc),
	    cmocka_unit_test(test_quoted_printable),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_text_size_capped),
	    cmocka_unit_test(test_html_only),
	    cmocka_unit_test(test_alternative_prefers_plain),
	    cmocka_unit_test(test_attachment_ignored),
	    cmocka_unit_test(test_rfc822_not_descended),
	    cmocka_unit_test(test_depth_and_parts_capped),
	    cmocka_unit_test(test_from_parts_truncated_base64),
	    cmocka_unit_test(test_from_parts_choice),
	    cmocka_unit_test(test_repeated_parses),
	    cmocka_unit_test(test_html_to_text),
	    cmocka_unit_test(test_html_hostile),
	    cmocka_unit_test(test_corpus_easy_ham),
	    cmocka_unit_test(test_corpus_spam),
	    cmocka_unit_test(test_corpus_lore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
