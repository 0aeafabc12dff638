/* SPDX-License-Identifier: MIT */
/* MIME parsing and decoding: GMime 3, wrapped once here.
 *
 * Everything from the message is hostile: the input size, the MIME depth
 * walked, the number of parts looked at and the decoded text are bounded;
 * every string handed out is valid UTF-8. Charset labels are trusted only as
 * far as the bytes agree: an unknown label, or bytes invalid for the label,
 * fall back to Windows-1252 (which, like the WHATWG encoding standard, also
 * stands for ISO-8859-1 and US-ASCII labels). */

#include <gmime/gmime.h>

#include "html-text.h"
#include "mime-text.h"
#include "util.h"

/* Raw bytes of one part taken for decoding: HTML is wordier than its text. */
#define PART_MAX_RAW_TEXT ((size_t) MIME_MAX_TEXT)
#define PART_MAX_RAW_HTML ((size_t) MIME_MAX_TEXT * 8U)
/* Header fields handed out (subject, names, ids): one RFC 5322 line. */
#define HEADER_FIELD_MAX 998U

static void mime_init_once(void)
{
	static gsize initialized = 0;

	if (g_once_init_enter(&initialized)) {
		g_mime_init();
		g_once_init_leave(&initialized, 1);
	}
}

static void g_object_unrefp(void *p)
{
	gpointer o = *(gpointer *) p;

	if (o)
		g_object_unref(o);
}
#define _cleanup_gobject_ _cleanup_(g_object_unrefp)

static void g_freep(void *p)
{
	g_free(*(gpointer *) p);
}
#define _cleanup_gfree_ _cleanup_(g_freep)

void mime_message_done(struct mime_message *m)
{
	if (!m)
		return;
	free(m->from);
	free(m->from_name);
	free(m->subject);
	free(m->message_id);
	free(m->header_hash);
	free(m->text);
	*m = (struct mime_message){};
}

/* A malloc()ed valid UTF-8 copy of s (invalid sequences become U+FFFD, NUL
 * bytes are dropped). NULL in, NULL out; *oom set on allocation failure. */
static char *utf8_dup_len(const char *s, size_t len, bool *oom)
{
	_cleanup_gfree_ gchar *valid = NULL;
	char *r;

	if (!s)
		return NULL;
	if (memchr(s, '\0', len)) {
		_cleanup_free_ char *nonul = malloc(len + 1);
		size_t k = 0;

		if (!nonul) {
			*oom = true;
			return NULL;
		}
		for (size_t i = 0; i < len; i++)
			if (s[i] != '\0')
				nonul[k++] = s[i];
		nonul[k] = '\0';
		return utf8_dup_len(nonul, k, oom);
	}
	if (g_utf8_validate(s, (gssize) len, NULL))
		r = strndup(s, len);
	else {
		valid = g_utf8_make_valid(s, (gssize) len);
		r = strdup(valid);
	}
	if (!r)
		*oom = true;
	return r;
}

static char *utf8_dup(const char *s, bool *oom)
{
	return s ? utf8_dup_len(s, strlen(s), oom) : NULL;
}

/* Cuts a UTF-8 string (or NULL) to at most max bytes, on a character
 * boundary. */
static void utf8_truncate(char *s, size_t max)
{
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	if (len <= max)
		return;
	while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

bool mime_sender_is_automated(const char *address)
{
	static const char *const locals[] = {"mailer-daemon", "postmaster"};
	const char *at;
	size_t n;

	if (isempty(address) || streq(address, "<>"))
		return true;
	at = strrchr(address, '@');
	n = at ? (size_t) (at - address) : strlen(address);
	for (size_t i = 0; i < ELEMENTSOF(locals); i++)
		if (n == strlen(locals[i]) && g_ascii_strncasecmp(address, locals[i], n) == 0)
			return true;
	return false;
}

/* The header block: from p up to its first empty line (or the end). */
static size_t header_block_len(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t l = nl ? (size_t) (nl - (p + i)) : len - i;

		if (l == 0 || (l == 1 && p[i] == '\r'))
			return i;
		if (!nl)
			return len;
		i += l + 1;
	}
	return len;
}

/* "hash:" + SHA-256 over the header block, line ends normalised to "\n" so
 * the same header hashes the same whether it came with CRLF or LF. */
static char *header_hash(const char *p, size_t len)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	size_t i = 0;
	char *r;

	if (!sum)
		return NULL;
	len = header_block_len(p, len);
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t l = nl ? (size_t) (nl - (p + i)) : len - i;
		size_t t = l;

		if (t > 0 && p[i + t - 1] == '\r')
			t--;
		g_checksum_update(sum, (const guchar *) p + i, t);
		g_checksum_update(sum, (const guchar *) "\n", 1);
		i += l + 1;
	}
	r = strdup_printf("hash:%s", g_checksum_get_string(sum));
	g_checksum_free(sum);
	return r;
}

/* First mailbox of an address list (groups are looked into). */
static InternetAddressMailbox *first_mailbox(InternetAddressList *list, unsigned depth)
{
	int n;

	if (!list || depth > 2)
		return NULL;
	n = internet_address_list_length(list);
	for (int i = 0; i < n && i < MIME_MAX_PARTS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia))
			return INTERNET_ADDRESS_MAILBOX(ia);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			InternetAddressMailbox *mb = first_mailbox(
			    internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
			    depth + 1);
			if (mb)
				return mb;
		}
	}
	return NULL;
}

static bool header_value_is(const char *v, const char *word)
{
	size_t n = strlen(word);

	if (!v)
		return false;
	while (g_ascii_isspace(*v))
		v++;
	if (g_ascii_strncasecmp(v, word, n) != 0)
		return false;
	v += n;
	while (g_ascii_isspace(*v))
		v++;
	return *v == '\0' || *v == ';' || *v == '(';
}

static bool headers_say_automated(GMimeObject *o)
{
	const char *v;

	v = g_mime_object_get_header(o, "Auto-Submitted");
	if (v && !header_value_is(v, "no"))
		return true;
	v = g_mime_object_get_header(o, "Precedence");
	if (header_value_is(v, "bulk") || header_value_is(v, "list") || header_value_is(v, "junk"))
		return true;
	if (g_mime_object_get_header(o, "List-Id"))
		return true;
	return false;
}

static int fill_headers(GMimeMessage *msg, const char *raw_header, size_t raw_len,
			struct mime_message *m)
{
	InternetAddressMailbox *mb;
	const char *s;
	GDateTime *date;
	bool oom = false;

	mb = first_mailbox(g_mime_message_get_from(msg), 0);
	if (!mb || isempty(internet_address_mailbox_get_addr(mb)))
		mb = first_mailbox(g_mime_message_get_sender(msg), 0) ?: mb;

	if (mb) {
		m->from = utf8_dup(strempty(internet_address_mailbox_get_addr(mb)), &oom);
		if (m->from) {
			strstrip(m->from);
			ascii_strlower(m->from);
		}
		s = internet_address_get_name(INTERNET_ADDRESS(mb));
		if (!isempty(s))
			m->from_name = utf8_dup(s, &oom);
	} else
		m->from = strdup("");
	if (!m->from)
		return -ENOMEM;

	s = g_mime_message_get_subject(msg);
	if (s)
		m->subject = utf8_dup(s, &oom);

	s = g_mime_message_get_message_id(msg);
	if (!isempty(s))
		m->message_id = utf8_dup(s, &oom);

	utf8_truncate(m->from, HEADER_FIELD_MAX);
	utf8_truncate(m->from_name, HEADER_FIELD_MAX);
	utf8_truncate(m->subject, HEADER_FIELD_MAX);
	utf8_truncate(m->message_id, HEADER_FIELD_MAX);

	date = g_mime_message_get_date(msg);
	m->date = date ? g_date_time_to_unix(date) : 0;
	if (m->date < 0) /* before 1970: not a real mail date */
		m->date = 0;

	m->header_hash = header_hash(raw_header, raw_len);
	if (oom || !m->header_hash)
		return -ENOMEM;

	m->automated =
	    mime_sender_is_automated(m->from) || headers_say_automated(GMIME_OBJECT(msg));
	return 0;
}

/* ---- text decoding ------------------------------------------------------ */

static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* Windows-1252 to UTF-8: total, every byte maps to a character. */
static char *cp1252_to_utf8(const char *s, size_t len, size_t *ret_len)
{
	GString *out = g_string_sized_new(len + len / 4 + 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c < 0x80)
			g_string_append_c(out, (char) c);
		else
			g_string_append_unichar(out, c < 0xA0 ? cp1252_high[c - 0x80] : c);
	}
	*ret_len = out->len;
	return g_string_free(out, FALSE);
}

/* Charset label, lower-cased without '-', '_' and spaces, for comparisons. */
static void charset_key(const char *label, char *buf, size_t size)
{
	size_t k = 0;

	for (const char *p = label; *p && k + 1 < size; p++)
		if (*p != '-' && *p != '_' && *p != ' ')
			buf[k++] = g_ascii_tolower(*p);
	buf[k] = '\0';
}

/* Drops an incomplete UTF-8 sequence cut by truncation at the very end. */
static size_t utf8_trim_partial_tail(const char *s, size_t len)
{
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = (unsigned char) s[len - back];

		if ((c & 0xC0) == 0x80)
			continue; /* continuation byte: look further back */
		if (c >= 0xC0 &&
		    g_utf8_get_char_validated(s + len - back, (gssize) back) == (gunichar) -2)
			return len - back;
		break;
	}
	return len;
}

/* Bytes in the labelled charset to a g_malloc()ed UTF-8 string (may still
 * hold NULs, which the caller drops). */
static char *to_utf8(const char *s, size_t len, const char *label, size_t *ret_len)
{
	char key[64];

	charset_key(label ? label : "us-ascii", key, sizeof(key));
	if (streq(key, "utf8") || streq(key, "usascii") || streq(key, "ascii") ||
	    streq(key, "unicode11utf8") || streq(key, "xunknown") || streq(key, "unknown8bit") ||
	    streq(key, "")) {
		size_t l = utf8_trim_partial_tail(s, len);

		if (g_utf8_validate_len(s, l, NULL)) {
			*ret_len = l;
			return g_strndup(s, l);
		}
		return cp1252_to_utf8(s, len, ret_len);
	}
	if (streq(key, "iso88591") || streq(key, "latin1") || streq(key, "l1") ||
	    streq(key, "cp1252") || streq(key, "windows1252") || streq(key, "windowscp1252") ||
	    streq(key, "xcp1252") || streq(key, "cp819") || streq(key, "iso885911987"))
		return cp1252_to_utf8(s, len, ret_len);

	const char *iconv_name = g_mime_charset_iconv_name(label);
	GError *err = NULL;
	gsize nread = 0, nwritten = 0;
	gchar *r = g_convert(s, (gssize) len, "UTF-8", iconv_name, &nread, &nwritten, &err);

	if (!r && err && g_error_matches(err, G_CONVERT_ERROR, G_CONVERT_ERROR_PARTIAL_INPUT) &&
	    nread > 0 && nread < len) {
		/* Truncated in the middle of a character: convert what is whole. */
		g_clear_error(&err);
		r = g_convert(s, (gssize) nread, "UTF-8", iconv_name, NULL, &nwritten, &err);
	}
	g_clear_error(&err);
	if (r && g_utf8_validate_len(r, nwritten, NULL)) {
		*ret_len = nwritten;
		return r;
	}
	g_free(r);
	return cp1252_to_utf8(s, len, ret_len);
}

/* Drops NULs, turns CRLF and lone CR into LF, in place; returns new length. */
static size_t normalise_text(char *s, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			continue;
		if (s[i] == '\r') {
			s[k++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
			continue;
		}
		s[k++] = s[i];
	}
	s[k] = '\0';
	return k;
}

static bool has_visible_text(const char *s)
{
	for (; s && *s; s++)
		if (!g_ascii_isspace(*s))
			return true;
	return false;
}

/* The part's content with its transfer encoding undone (base64,
 * quoted-printable, uuencode; a truncated encoding yields what could be
 * decoded), at most max bytes: only what is kept is ever decoded. */
static GByteArray *part_read_decoded(GMimePart *part, size_t max)
{
	_cleanup_gobject_ GMimeStream *filtered = NULL;
	GMimeDataWrapper *wrapper;
	GMimeStream *src;
	GByteArray *bytes;
	char buf[8192];

	bytes = g_byte_array_new();
	wrapper = g_mime_part_get_content(part);
	if (!wrapper)
		return bytes;
	src = g_mime_data_wrapper_get_stream(wrapper);
	if (!src || g_mime_stream_reset(src) < 0)
		return bytes;
	filtered = g_mime_stream_filter_new(src);
	switch (g_mime_data_wrapper_get_encoding(wrapper)) {
	case GMIME_CONTENT_ENCODING_BASE64:
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
	case GMIME_CONTENT_ENCODING_UUENCODE: {
		GMimeFilter *f =
		    g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(wrapper), FALSE);

		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
		g_object_unref(f);
		break;
	}
	default:
		break;
	}
	while (bytes->len < max) {
		ssize_t n = g_mime_stream_read(filtered, buf, MIN(sizeof(buf), max - bytes->len));

		if (n <= 0)
			break;
		g_byte_array_append(bytes, (const guint8 *) buf, (guint) n);
	}
	return bytes;
}

/* Decodes one text part (transfer encoding, charset, line ends; HTML made
 * text). *ret is NULL when the part holds no text. */
static int part_decode(GMimePart *part, bool html, char **ret)
{
	_cleanup_gfree_ gchar *utf8 = NULL;
	GByteArray *bytes;
	size_t len = 0;
	char *text;

	*ret = NULL;
	bytes = part_read_decoded(part, html ? PART_MAX_RAW_HTML : PART_MAX_RAW_TEXT);
	if (bytes->len == 0) {
		g_byte_array_unref(bytes);
		return 0;
	}
	utf8 =
	    to_utf8((const char *) bytes->data, bytes->len,
		    g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset"), &len);
	g_byte_array_unref(bytes);
	if (!utf8)
		return -ENOMEM;
	len = normalise_text(utf8, len);

	if (html) {
		text = html_to_text(utf8, len);
		if (!text)
			return -ENOMEM;
	} else {
		bool oom = false;

		text = utf8_dup_len(utf8, len, &oom);
		if (!text)
			return -ENOMEM;
	}
	utf8_truncate(text, MIME_MAX_TEXT);
	*ret = text;
	return 0;
}

/* Kind of a leaf part: 1 text/plain, 2 text/html, 0 neither (or attached). */
static int part_kind(GMimeObject *o)
{
	GMimeContentType *ct;
	GMimeContentDisposition *cd;

	if (!GMIME_IS_PART(o))
		return 0;
	cd = g_mime_object_get_content_disposition(o);
	if (cd && g_mime_content_disposition_is_attachment(cd))
		return 0;
	ct = g_mime_object_get_content_type(o);
	if (!ct)
		return 1; /* RFC 2045: text/plain by default */
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		return 1;
	if (g_mime_content_type_is_type(ct, "text", "html"))
		return 2;
	return 0;
}

struct candidates {
	GMimePart *plain[MIME_MAX_PARTS];
	GMimePart *html[MIME_MAX_PARTS];
	size_t n_plain, n_html;
	unsigned visited;
};

/* Collects the text parts in document order, bounded in depth and count;
 * message/rfc822 parts are not entered (a forwarded message is not the
 * sender's own words). */
static void collect(GMimeObject *o, unsigned depth, struct candidates *c)
{
	if (!o || depth > MIME_MAX_DEPTH || c->visited >= MIME_MAX_PARTS)
		return;
	c->visited++;

	if (GMIME_IS_MULTIPART(o)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(o));

		for (int i = 0; i < n && c->visited < MIME_MAX_PARTS; i++)
			collect(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), depth + 1, c);
		return;
	}
	switch (part_kind(o)) {
	case 1:
		c->plain[c->n_plain++] = GMIME_PART(o);
		break;
	case 2:
		c->html[c->n_html++] = GMIME_PART(o);
		break;
	default:
		break;
	}
}

/* The text: the first text/plain with visible text, else the first
 * text/html. */
static int choose_text(struct candidates *c, struct mime_message *m)
{
	int r;

	for (size_t i = 0; i < c->n_plain + c->n_html; i++) {
		bool html = i >= c->n_plain;
		GMimePart *p = html ? c->html[i - c->n_plain] : c->plain[i];
		char *t = NULL;

		r = part_decode(p, html, &t);
		if (r < 0)
			return r;
		if (has_visible_text(t)) {
			m->text = t;
			m->text_from_html = html;
			return 0;
		}
		free(t);
	}
	return 0;
}

static GMimeMessage *parse_message(const char *p, size_t len)
{
	_cleanup_gobject_ GMimeStream *stream = NULL;
	_cleanup_gobject_ GMimeParser *parser = NULL;

	stream = g_mime_stream_mem_new_with_buffer(p, len);
	if (!stream)
		return NULL;
	parser = g_mime_parser_new_with_stream(stream);
	if (!parser)
		return NULL;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	return g_mime_parser_construct_message(parser, NULL);
}

int mime_message_parse(const char *raw, size_t len, struct mime_message *ret)
{
	_cleanup_(mime_message_done) struct mime_message m = {};
	_cleanup_gobject_ GMimeMessage *msg = NULL;
	struct candidates *c;
	int r;

	if (!raw || !ret)
		return -EINVAL;
	if (len > MIME_MAX_MESSAGE)
		return -EFBIG;
	mime_init_once();

	/* An mbox "From " separator line is not a header. */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);

		if (!nl)
			return -EBADMSG;
		len -= (size_t) (nl + 1 - raw);
		raw = nl + 1;
	}
	if (len == 0 || header_block_len(raw, len) == 0)
		return -EBADMSG;

	msg = parse_message(raw, len);
	if (!msg)
		return -EBADMSG;

	r = fill_headers(msg, raw, len, &m);
	if (r < 0)
		return r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	collect(g_mime_message_get_mime_part(msg), 0, c);
	r = choose_text(c, &m);
	free(c);
	if (r < 0)
		return r;

	*ret = m;
	m = (struct mime_message){};
	return 0;
}

/* Concatenates a header block and a body into one buffer, making sure the
 * header block ends with an empty line. */
static char *join_header_body(const char *h, size_t hl, const char *b, size_t bl, size_t *ret_len)
{
	GString *s = g_string_sized_new(hl + bl + 4);

	if (hl > 0)
		g_string_append_len(s, h, (gssize) hl);
	/* End the last header line, then the block. */
	if (s->len > 0 && s->str[s->len - 1] != '\n')
		g_string_append(s, "\r\n");
	if (!(s->len >= 2 && s->str[s->len - 1] == '\n' &&
	      (s->str[s->len - 2] == '\n' ||
	       (s->len >= 3 && s->str[s->len - 2] == '\r' && s->str[s->len - 3] == '\n'))))
		g_string_append(s, "\r\n");
	if (bl > 0)
		g_string_append_len(s, b, (gssize) bl);
	*ret_len = s->len;
	return g_string_free(s, FALSE);
}

static int part_from_raw(const struct mime_part_raw *pr, GMimeObject **ret)
{
	_cleanup_gobject_ GMimeStream *stream = NULL;
	_cleanup_gobject_ GMimeParser *parser = NULL;
	_cleanup_gfree_ gchar *buf = NULL;
	size_t len = 0;

	*ret = NULL;
	if (pr->mime_header_len > MIME_MAX_MESSAGE || pr->body_len > MIME_MAX_MESSAGE)
		return -EFBIG;
	buf = join_header_body(pr->mime_header, pr->mime_header ? pr->mime_header_len : 0, pr->body,
			       pr->body ? pr->body_len : 0, &len);
	stream = g_mime_stream_mem_new_with_buffer(buf, len);
	if (!stream)
		return -ENOMEM;
	parser = g_mime_parser_new_with_stream(stream);
	if (!parser)
		return -ENOMEM;
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	*ret = g_mime_parser_construct_part(parser, NULL);
	return 0;
}

int mime_message_from_parts(const char *header, size_t header_len,
			    const struct mime_part_raw *parts, size_t n_parts,
			    struct mime_message *ret)
{
	_cleanup_(mime_message_done) struct mime_message m = {};
	_cleanup_gobject_ GMimeMessage *msg = NULL;
	_cleanup_gfree_ gchar *hbuf = NULL;
	char *html_text = NULL;
	size_t hlen = 0;
	int r;

	if (!header || !ret || (n_parts > 0 && !parts))
		return -EINVAL;
	if (header_len > MIME_MAX_MESSAGE)
		return -EFBIG;
	mime_init_once();

	hbuf = join_header_body(header, header_len, NULL, 0, &hlen);
	msg = parse_message(hbuf, hlen);
	if (!msg)
		return -EBADMSG;
	r = fill_headers(msg, header, header_len, &m);
	if (r < 0)
		return r;

	for (size_t i = 0; i < n_parts && i < MIME_MAX_PARTS; i++) {
		_cleanup_gobject_ GMimeObject *o = NULL;
		char *t = NULL;
		int kind;

		r = part_from_raw(&parts[i], &o);
		if (r == -ENOMEM)
			goto fail;
		if (r < 0 || !o)
			continue;
		kind = part_kind(o);
		if (kind == 0 || (kind == 2 && html_text))
			continue;
		r = part_decode(GMIME_PART(o), kind == 2, &t);
		if (r < 0)
			goto fail;
		if (!has_visible_text(t)) {
			free(t);
			continue;
		}
		if (kind == 1) {
			m.text = t;
			break;
		}
		html_text = t;
	}
	if (!m.text && html_text) {
		m.text = TAKE_PTR(html_text);
		m.text_from_html = true;
	}
	free(html_text);

	*ret = m;
	m = (struct mime_message){};
	return 0;

fail:
	free(html_text);
	return r;
}
