/* SPDX-License-Identifier: MIT */
/* First clean-up of a message's text: keep only what the client wrote.
 *
 * The text is handled as lines of bytes (no UTF-8 assumption while
 * matching; the result is made valid UTF-8 at the end). Markers are matched
 * case-insensitively; in patterns, 'é' also matches 'É', 'e' and 'E', and
 * 'à' also matches 'À', 'a' and 'A', because mailers and people write both.
 *
 *  - a reply header ("On ... wrote:", "Le ... a écrit :", possibly wrapped
 *    over two lines) followed by quoted lines is an attribution: it is
 *    dropped with the quote and what follows is kept (bottom posting);
 *    followed by anything else it starts the quoted original: cut there;
 *  - "-----Original Message-----", "-----Message d'origine-----", forwarded
 *    message separators and Outlook header blocks ("From:"/"De :" followed
 *    within 4 lines by "Sent:"/"To:"/"Subject:"...) cut the text;
 *  - lines starting with '>' are dropped;
 *  - the signature separator "-- " (or "--") cuts the text;
 *  - a legal disclaimer or "think before printing" footer below the text is
 *    cut with what follows it;
 *  - "Sent from my iPhone"-style trailer lines are dropped, a mailing list
 *    footer cuts the text;
 *  - blank lines are trimmed at both ends, runs of blank lines collapse to
 *    one. */

#include <glib.h>

#include "text-clean.h"
#include "util.h"

#define TRAILER_MAX_LEN 80U  /* a trailer is a short line of its own */
#define HEADER_LINE_MAX 400U /* an attribution line is not a paragraph */
#define OUTLOOK_LOOKAHEAD 4U

struct line {
	const char *p;
	size_t len; /* without the line end */
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of the white space (ASCII blanks, U+00A0, U+202F) at s, or 0. */
static size_t ws_len(const char *s, size_t n)
{
	if (n >= 1 && is_ws(s[0]))
		return 1;
	if (n >= 2 && (unsigned char) s[0] == 0xC2 && (unsigned char) s[1] == 0xA0)
		return 2;
	if (n >= 3 && (unsigned char) s[0] == 0xE2 && (unsigned char) s[1] == 0x80 &&
	    (unsigned char) s[2] == 0xAF)
		return 3;
	return 0;
}

static struct line line_trim(struct line l)
{
	size_t k;

	while (l.len > 0 && (k = ws_len(l.p, l.len)) > 0) {
		l.p += k;
		l.len -= k;
	}
	for (;;) {
		if (l.len >= 1 && is_ws(l.p[l.len - 1]))
			l.len--;
		else if (l.len >= 2 && (unsigned char) l.p[l.len - 2] == 0xC2 &&
			 (unsigned char) l.p[l.len - 1] == 0xA0)
			l.len -= 2;
		else if (l.len >= 3 && (unsigned char) l.p[l.len - 3] == 0xE2 &&
			 (unsigned char) l.p[l.len - 2] == 0x80 &&
			 (unsigned char) l.p[l.len - 1] == 0xAF)
			l.len -= 3;
		else
			break;
	}
	return l;
}

static bool line_is_blank(struct line l)
{
	return line_trim(l).len == 0;
}

/* Matches pattern pat (lower case, UTF-8) at s; returns the number of bytes
 * of s matched, or 0 when it does not match. In the pattern, a space matches
 * one or more white space characters (including non-breaking ones), "é"
 * matches é/É/e/E, "à" matches à/À/a/A and "’" matches ’ or '. */
static size_t match_at(const char *s, size_t n, const char *pat)
{
	size_t i = 0;

	while (*pat) {
		const unsigned char pc = (unsigned char) *pat;

		if (pc == ' ') {
			size_t k, got = 0;

			while (i < n && (k = ws_len(s + i, n - i)) > 0) {
				i += k;
				got++;
			}
			if (got == 0)
				return 0;
			pat++;
			continue;
		}
		if (pc == 0xC3 &&
		    ((unsigned char) pat[1] == 0xA9 || (unsigned char) pat[1] == 0xA0)) {
			const bool e = (unsigned char) pat[1] == 0xA9;
			const char ascii = e ? 'e' : 'a';
			const unsigned char upper = e ? 0x89 : 0x80;

			if (i < n && g_ascii_tolower(s[i]) == ascii)
				i++;
			else if (i + 1 < n && (unsigned char) s[i] == 0xC3 &&
				 ((unsigned char) s[i + 1] == (unsigned char) pat[1] ||
				  (unsigned char) s[i + 1] == upper))
				i += 2;
			else
				return 0;
			pat += 2;
			continue;
		}
		if (pc == 0xE2 && (unsigned char) pat[1] == 0x80 &&
		    (unsigned char) pat[2] == 0x99) {
			if (i < n && s[i] == '\'')
				i++;
			else if (i + 2 < n && (unsigned char) s[i] == 0xE2 &&
				 (unsigned char) s[i + 1] == 0x80 &&
				 (unsigned char) s[i + 2] == 0x99)
				i += 3;
			else
				return 0;
			pat += 3;
			continue;
		}
		if (i >= n || g_ascii_tolower(s[i]) != (char) pc)
			return 0;
		i++;
		pat++;
	}
	return i > 0 ? i : 0;
}

/* Does the whole of s match the pattern? */
static bool match_whole(const char *s, size_t n, const char *pat)
{
	return n > 0 && match_at(s, n, pat) == n;
}

static bool line_starts_with(struct line l, const char *pat)
{
	return match_at(l.p, l.len, pat) > 0;
}

/* Does the (trimmed) line end with the pattern? Tries every start position
 * in the last 32 bytes, patterns being short. */
static bool line_ends_with(struct line l, const char *pat)
{
	size_t from = l.len > 32 ? l.len - 32 : 0;

	for (size_t i = from; i < l.len; i++)
		if (match_whole(l.p + i, l.len - i, pat))
			return true;
	return false;
}

static bool line_has_digit(struct line l)
{
	for (size_t i = 0; i < l.len; i++)
		if (g_ascii_isdigit(l.p[i]))
			return true;
	return false;
}

static bool line_is_quote(struct line l)
{
	size_t i = 0;

	while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
		i++;
	return i < l.len && l.p[i] == '>';
}

/* "Label:" or "Label :" (with any white space, non-breaking included, and
 * an optional leading '*' left by HTML bold) at the start of the line. */
static bool line_is_label(struct line l, const char *label)
{
	size_t k;

	l = line_trim(l);
	if (l.len > 0 && l.p[0] == '*') {
		l.p++;
		l.len--;
	}
	k = match_at(l.p, l.len, label);
	if (k == 0)
		return false;
	l.p += k;
	l.len -= k;
	while (l.len > 0 && (k = ws_len(l.p, l.len)) > 0) {
		l.p += k;
		l.len -= k;
	}
	if (l.len > 0 && l.p[0] == '*') { /* "*From:*" */
		l.p++;
		l.len--;
	}
	return l.len > 0 && l.p[0] == ':';
}

static bool reply_intro_start(struct line l)
{
	return line_starts_with(l, "on ") || line_starts_with(l, "le ");
}

static bool reply_intro_end(struct line l)
{
	return line_ends_with(l, "wrote:") || line_ends_with(l, "a écrit :") ||
	       line_ends_with(l, "a écrit:");
}

/* Number of lines (1 or 2) of an "On ... wrote:" / "Le ... a écrit :"
 * attribution starting at line i, or 0. */
static size_t match_attribution(const struct line *lines, size_t n, size_t i)
{
	struct line a = line_trim(lines[i]);

	if (a.len > HEADER_LINE_MAX || !reply_intro_start(a))
		return 0;
	if (reply_intro_end(a))
		return line_has_digit(a) ? 1 : 0;
	if (i + 1 < n) {
		struct line b = line_trim(lines[i + 1]);
		char tail[96];
		size_t ka, kb;

		if (b.len == 0 || b.len > HEADER_LINE_MAX || line_is_quote(b) ||
		    !(line_has_digit(a) || line_has_digit(b)))
			return 0;
		/* The wrap may fall inside the marker ("... a" / "écrit :"):
		 * look at the end of both lines joined by a space. */
		ka = MIN(a.len, (size_t) 40);
		kb = MIN(b.len, (size_t) 48);
		memcpy(tail, a.p + a.len - ka, ka);
		tail[ka] = ' ';
		memcpy(tail + ka + 1, b.p + b.len - kb, kb);
		if (reply_intro_end((struct line){tail, ka + 1 + kb}))
			return 2;
	}
	return 0;
}

/* "Bob <bob@example.com> wrote:" style attribution line (no "On"). */
static bool line_is_bare_attribution(struct line l)
{
	l = line_trim(l);
	return l.len > 0 && l.len <= HEADER_LINE_MAX && reply_intro_end(l);
}

/* "-----Original Message-----" and friends: dashes, words, dashes. */
static bool line_is_separator(struct line l)
{
	static const char *const words[] = {
	    "original message",  "forwarded message", "message d’origine",
	    "message transféré", "message original",  "message réexpédié",
	};
	size_t a = 0, b;

	l = line_trim(l);
	while (a < l.len && l.p[a] == '-')
		a++;
	if (a < 2 || a == l.len)
		return false;
	b = l.len;
	while (b > a && l.p[b - 1] == '-')
		b--;
	if (l.len - b < 2)
		return false;
	struct line mid = line_trim((struct line){l.p + a, b - a});
	for (size_t k = 0; k < ELEMENTSOF(words); k++)
		if (match_whole(mid.p, mid.len, words[k]))
			return true;
	return false;
}

static bool line_is_forward_intro(struct line l)
{
	l = line_trim(l);
	return match_whole(l.p, l.len, "begin forwarded message:") ||
	       match_whole(l.p, l.len, "begin forwarded message :") ||
	       match_whole(l.p, l.len, "début du message réexpédié :") ||
	       match_whole(l.p, l.len, "début du message réexpédié:") ||
	       match_whole(l.p, l.len, "début du message transféré :") ||
	       match_whole(l.p, l.len, "début du message transféré:");
}

static bool line_is_outlook_field(struct line l)
{
	static const char *const labels[] = {
	    "sent", "envoyé", "to", "à", "pour", "subject", "objet", "date", "cc",
	};
	for (size_t k = 0; k < ELEMENTSOF(labels); k++)
		if (line_is_label(l, labels[k]))
			return true;
	return false;
}

static bool match_outlook_block(const struct line *lines, size_t n, size_t i)
{
	if (!line_is_label(lines[i], "from") && !line_is_label(lines[i], "de"))
		return false;
	for (size_t j = i + 1; j < n && j <= i + OUTLOOK_LOOKAHEAD; j++)
		if (line_is_outlook_field(lines[j]))
			return true;
	return false;
}

static bool line_is_signature(struct line l)
{
	return (l.len == 3 && memcmp(l.p, "-- ", 3) == 0) ||
	       (l.len == 2 && memcmp(l.p, "--", 2) == 0);
}

static bool line_is_trailer(struct line l)
{
	static const char *const trailers[] = {
	    "sent from my ",     "sent from mail for windows",
	    "sent from outlook", "sent from yahoo mail",
	    "sent from samsung", "sent from gmail",
	    "get outlook for ",  "envoyé de mon ",
	    "envoyé depuis ",    "envoyé à partir de ",
	    "envoyé avec ",      "sent with ",
	    "sent via ",         "télécharger outlook pour ",
	};
	l = line_trim(l);
	if (l.len == 0 || l.len > TRAILER_MAX_LEN)
		return false;
	for (size_t k = 0; k < ELEMENTSOF(trailers); k++)
		if (match_at(l.p, l.len, trailers[k]) > 0)
			return true;
	return false;
}

/* The first line of a legal disclaimer or a "think before printing"
 * footer: what follows it is boilerplate, not the client's words. */
static bool line_is_disclaimer(struct line l)
{
	static const char *const starts[] = {
	    "this e-mail and any ",     "this email and any ",
	    "this message and any ",    "this e-mail message ",
	    "this message is intended", "this email is intended",
	    "this e-mail is intended",  "this e-mail is confidential",
	    "this email is confidential", "this message is confidential",
	    "this communication is confidential", "this communication and any ",
	    "the information contained in this", "the information in this e-mail",
	    "the information in this email", "confidentiality notice",
	    "confidentiality note",     "confidential notice",
	    "disclaimer:",              "disclaimer :",
	    "legal disclaimer",         "please consider the environment",
	    "think before you print",   "ce message et toutes les pi",
	    "ce message et ses pi",     "ce courriel et ses pi",
	    "ce courriel et toutes les pi", "ce message est confidentiel",
	    "ce courriel est confidentiel", "ce message électronique et ",
	    "ce courrier électronique et ", "ce message est destiné exclusivement",
	    "ce message est strictement", "les informations contenues dans ce",
	    "avertissement de confidentialité", "avis de confidentialité",
	    "clause de confidentialité", "pensez à l’environnement",
	    "merci de penser à l’environnement", "avant d’imprimer",
	};
	l = line_trim(l);
	/* Markers like "*** CONFIDENTIALITY NOTICE ***". */
	while (l.len > 0 && (l.p[0] == '*' || l.p[0] == '[' || l.p[0] == '(' || is_ws(l.p[0]))) {
		l.p++;
		l.len--;
	}
	for (size_t k = 0; k < ELEMENTSOF(starts); k++)
		if (match_at(l.p, l.len, starts[k]) > 0)
			return true;
	return false;
}

/* A line made only of '_' or '-' (Outlook's rule before "From:"). */
static bool line_is_rule(struct line l)
{
	l = line_trim(l);
	if (l.len < 4)
		return false;
	for (size_t i = 0; i < l.len; i++)
		if (l.p[i] != '_' && l.p[i] != '-' && l.p[i] != '=')
			return false;
	return true;
}

/* Mailman's footer: a rule, then "<List> mailing list". */
static bool match_list_footer(const struct line *lines, size_t n, size_t i)
{
	return line_is_rule(lines[i]) && i + 1 < n &&
	       line_ends_with(line_trim(lines[i + 1]), " mailing list");
}

static int split_lines(const char *text, size_t len, struct line **ret, size_t *ret_n)
{
	size_t n = 1, k = 0;
	struct line *lines;

	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	lines = calloc(n, sizeof(struct line));
	if (!lines)
		return -ENOMEM;
	const char *start = text;
	for (size_t i = 0; i <= len; i++)
		if (i == len || text[i] == '\n') {
			size_t l = (size_t) (text + i - start);

			if (l > 0 && start[l - 1] == '\r')
				l--;
			lines[k++] = (struct line){start, l};
			start = text + i + 1;
		}
	*ret = lines;
	*ret_n = k;
	return 0;
}

char *text_clean(const char *text, size_t len)
{
	_cleanup_free_ struct line *lines = NULL;
	_cleanup_free_ bool *keep = NULL;
	bool any_kept_text = false;
	size_t n = 0, end;

	if (!text)
		len = 0;
	if (split_lines(text ? text : "", len, &lines, &n) < 0)
		return NULL;
	keep = calloc(n, sizeof(bool));
	if (!keep)
		return NULL;

	/* Pass 1: find where the client's words end, mark the lines kept. */
	end = n;
	for (size_t i = 0; i < n; i++) {
		struct line l = lines[i];
		size_t k;

		if (line_is_quote(l))
			continue;
		if (line_is_signature(l)) {
			end = i;
			break;
		}
		k = match_attribution(lines, n, i);
		if (k > 0) {
			size_t j = i + k;

			while (j < n && line_is_blank(lines[j]))
				j++;
			if (j < n && line_is_quote(lines[j])) {
				/* Attribution of an inline quote: drop it, go on. */
				i += k - 1;
				continue;
			}
			end = i;
			break;
		}
		if (line_is_separator(l) || line_is_forward_intro(l) ||
		    match_outlook_block(lines, n, i) || match_list_footer(lines, n, i)) {
			end = i;
			break;
		}
		if (line_is_trailer(l))
			continue;
		/* A disclaimer starts a paragraph below the client's own words. */
		if (any_kept_text && (i == 0 || line_is_blank(lines[i - 1]) || line_is_rule(lines[i - 1])) &&
		    line_is_disclaimer(l)) {
			end = i;
			break;
		}
		if (line_is_bare_attribution(l)) {
			size_t j = i + 1;

			while (j < n && line_is_blank(lines[j]))
				j++;
			if (j < n && line_is_quote(lines[j]))
				continue; /* introduces a quote: not the client's words */
		}
		keep[i] = true;
		if (!line_is_blank(l) && !line_is_rule(l))
			any_kept_text = true;
	}
	/* A rule line ("______") right before the cut belongs to the quote. */
	if (end < n) {
		size_t j = end;

		while (j > 0 && (!keep[j - 1] || line_is_blank(lines[j - 1])))
			j--;
		if (j > 0 && line_is_rule(lines[j - 1]))
			keep[j - 1] = false;
	}

	/* Pass 2: assemble, trimming blank lines at both ends and collapsing
	 * runs of blank lines. */
	_cleanup_free_ char *out = malloc(len + 1);
	size_t o = 0, pending_blank = 0;
	bool any = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < end; i++) {
		if (!keep[i])
			continue;
		if (line_is_blank(lines[i])) {
			if (any)
				pending_blank = 1;
			continue;
		}
		if (any) {
			out[o++] = '\n';
			if (pending_blank)
				out[o++] = '\n';
		}
		pending_blank = 0;
		for (size_t c = 0; c < lines[i].len; c++)
			if (lines[i].p[c] != '\0')
				out[o++] = lines[i].p[c];
		any = true;
	}
	out[o] = '\0';

	if (!g_utf8_validate(out, (gssize) o, NULL)) {
		gchar *valid = g_utf8_make_valid(out, (gssize) o);
		char *copy = strdup(valid);

		g_free(valid);
		return copy;
	}
	return TAKE_PTR(out);
}
