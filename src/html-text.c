/* SPDX-License-Identifier: MIT */
/* HTML to text through libxml2's HTML parser (recovering, no network, no
 * error output). The tree is walked without recursion (hostile mail can nest
 * tags very deep); text is written with collapsed white space, block
 * elements give line breaks, paragraphs a blank line. Quoted material is
 * dropped: <blockquote>, Gmail's gmail_quote, Thunderbird's moz-cite-prefix,
 * Yahoo's yahoo_quoted, and from Outlook's divRplyFwdMsg / appendonsend /
 * OLK_SRC_BODY_SECTION / hr#stopSpelling markers on, everything that follows
 * in document order. */

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "html-text.h"
#include "util.h"

#define HTML_MAX_INPUT (2U * 1024U * 1024U) /* bytes of HTML parsed */
#define HTML_MAX_OUTPUT (256U * 1024U)      /* bytes of text produced */

struct out {
	GString *s;
	unsigned pending_nl; /* line breaks owed before the next text (max 2) */
	bool pending_space;
	bool full;
	bool stop; /* an Outlook marker: the rest is the quoted original */
};

static void out_newlines(struct out *o, unsigned n)
{
	if (n > 2)
		n = 2;
	if (o->pending_nl < n)
		o->pending_nl = n;
}

static void out_flush_breaks(struct out *o)
{
	if (o->s->len > 0) {
		if (o->pending_nl > 0) {
			for (unsigned i = 0; i < o->pending_nl; i++)
				g_string_append_c(o->s, '\n');
		} else if (o->pending_space)
			g_string_append_c(o->s, ' ');
	}
	o->pending_nl = 0;
	o->pending_space = false;
}

static void out_text(struct out *o, const char *t, bool pre)
{
	const char *p = t;

	while (*p && !o->full) {
		gunichar c = g_utf8_get_char_validated(p, -1);
		const char *next;

		if (c == (gunichar) -1 || c == (gunichar) -2) {
			c = 0xFFFD;
			next = p + 1;
		} else
			next = g_utf8_next_char(p);

		if (pre && c == '\n') {
			/* owed like a <br>, so it merges with block breaks */
			o->pending_space = false;
			o->pending_nl = MIN(o->pending_nl + 1, 2U);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
			   c == 0xA0 || c == 0x202F || c == 0x200B || c == 0xFEFF) {
			if (c == 0x200B || c == 0xFEFF)
				; /* zero-width: nothing */
			else if (pre) {
				out_flush_breaks(o);
				g_string_append_c(o->s, ' ');
			} else
				o->pending_space = true;
		} else {
			out_flush_breaks(o);
			if (c == 0xFFFD && next == p + 1)
				g_string_append(o->s, "\xEF\xBF\xBD");
			else
				g_string_append_len(o->s, p, next - p);
		}
		if (o->s->len >= HTML_MAX_OUTPUT)
			o->full = true;
		p = next;
	}
}

static bool name_is(const xmlNode *n, const char *name)
{
	return n->name && g_ascii_strcasecmp((const char *) n->name, name) == 0;
}

static bool name_in(const xmlNode *n, const char *const *names, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (name_is(n, names[i]))
			return true;
	return false;
}

/* Does the white-space separated list v hold the token (any case)? */
static bool has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);

	for (const char *p = v; p && *p;) {
		size_t w = 0;

		while (*p && g_ascii_isspace(*p))
			p++;
		while (p[w] && !g_ascii_isspace(p[w]))
			w++;
		if (w == tl && g_ascii_strncasecmp(p, token, tl) == 0)
			return true;
		p += w;
	}
	return false;
}

/* id equals one of the Outlook markers, possibly prefixed by "x_" (Outlook
 * prefixes ids when it quotes HTML again). */
static bool id_is_marker(const xmlNode *n)
{
	static const char *const ids[] = {
	    "divRplyFwdMsg",
	    "appendonsend",
	    "OLK_SRC_BODY_SECTION",
	    "stopSpelling",
	    "mail-editor-reference-message-container",
	};
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *) "id");
	bool found = false;

	if (!v)
		return false;
	const char *p = (const char *) v;
	while (g_ascii_strncasecmp(p, "x_", 2) == 0)
		p += 2;
	for (size_t i = 0; i < ELEMENTSOF(ids) && !found; i++)
		if (g_ascii_strcasecmp(p, ids[i]) == 0)
			found = true;
	xmlFree(v);
	return found;
}

static bool element_dropped(const xmlNode *n)
{
	static const char *const dropped[] = {
	    "head",       "style",    "script", "title", "noscript", "template",
	    "blockquote", "object",   "iframe", "svg",   "math",     "select",
	    "button",     "textarea", "map",    "embed", "applet",   "frameset",
	};
	static const char *const classes[] = {
	    "gmail_quote",  "gmail_extra",   "gmail_signature",  "moz-cite-prefix",
	    "yahoo_quoted", "moz-signature", "protonmail_quote",
	};
	xmlChar *v;
	bool found = false;

	if (name_in(n, dropped, ELEMENTSOF(dropped)))
		return true;
	v = xmlGetNoNsProp(n, (const xmlChar *) "class");
	for (size_t i = 0; v && i < ELEMENTSOF(classes) && !found; i++)
		found = has_token((const char *) v, classes[i]);
	xmlFree(v);
	if (found)
		return true;
	v = xmlGetNoNsProp(n, (const xmlChar *) "type");
	found = v && has_token((const char *) v, "cite");
	xmlFree(v);
	return found;
}

/* Line breaks an element gives before and after itself. */
static unsigned element_breaks(const xmlNode *n)
{
	static const char *const paragraphs[] = {
	    "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "pre", "hr",
	};
	static const char *const blocks[] = {
	    "div",  "br",      "li",       "tr",         "address", "article", "aside", "center",
	    "dd",   "dt",      "fieldset", "figcaption", "figure",  "footer",  "form",  "header",
	    "main", "nav",     "section",  "caption",    "tbody",   "thead",   "tfoot", "body",
	    "html", "details", "summary",  "legend",     "option",
	};
	if (name_in(n, paragraphs, ELEMENTSOF(paragraphs)))
		return 2;
	if (name_in(n, blocks, ELEMENTSOF(blocks)))
		return 1;
	return 0;
}

static void walk(xmlNode *root, struct out *o)
{
	xmlNode *n = root;
	unsigned pre_depth = 0;

	while (n && !o->full) {
		bool descend = false, dropped = true;

		if (n->type == XML_ELEMENT_NODE) {
			if (id_is_marker(n)) {
				o->stop = true;
				return;
			}
			dropped = element_dropped(n);
			if (!dropped) {
				unsigned b = element_breaks(n);

				if (name_is(n, "br")) {
					/* explicit breaks add up: <br><br> is a blank line */
					o->pending_nl = MIN(o->pending_nl + 1, 2U);
					o->pending_space = false;
				} else if (b > 0)
					out_newlines(o, b);
				else if (name_is(n, "td") || name_is(n, "th"))
					o->pending_space = true;
				else if (name_is(n, "img")) {
					xmlChar *alt = xmlGetNoNsProp(n, (const xmlChar *) "alt");

					if (alt)
						out_text(o, (const char *) alt, false);
					xmlFree(alt);
				}
				if (name_is(n, "pre"))
					pre_depth++;
				descend = n->children != NULL;
			}
		} else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				out_text(o, (const char *) n->content, pre_depth > 0);
		}

		if (descend) {
			n = n->children;
			continue;
		}
		/* Leave n and every ancestor it closes, each giving its
		 * trailing breaks; ancestors were entered, so not dropped. */
		for (;;) {
			if (n->type == XML_ELEMENT_NODE && !dropped && !name_is(n, "br")) {
				unsigned b = element_breaks(n);

				if (b > 0)
					out_newlines(o, b);
				if (name_is(n, "pre") && pre_depth > 0)
					pre_depth--;
			}
			if (n == root) {
				n = NULL;
				break;
			}
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
			dropped = false;
			if (!n)
				break;
		}
	}
}

static void silent_generic(void *ctx, const char *msg, ...)
{
}

static void silent_structured(void *ctx, xmlErrorPtr error)
{
}

char *html_to_text(const char *html, size_t len)
{
	struct out o = {};
	gchar *valid = NULL;
	htmlParserCtxtPtr ctxt;
	htmlDocPtr doc = NULL;
	char *ret;

	if (!html)
		len = 0;
	if (len > HTML_MAX_INPUT)
		len = HTML_MAX_INPUT;

	/* libxml2 wants proper UTF-8 without NULs, else it switches encodings. */
	if (len > 0 && (memchr(html, '\0', len) || !g_utf8_validate(html, (gssize) len, NULL))) {
		GString *clean = g_string_sized_new(len);

		for (size_t i = 0; i < len; i++)
			if (html[i] != '\0')
				g_string_append_c(clean, html[i]);
		valid = g_utf8_make_valid(clean->str, (gssize) clean->len);
		g_string_free(clean, TRUE);
		html = valid;
		len = strlen(valid);
	}

	o.s = g_string_sized_new(MIN(len, (size_t) HTML_MAX_OUTPUT) + 1);

	if (len > 0) {
		/* Errors are not ours to print: silence the process-wide
		 * handlers for the parse, then put back whatever was there. */
		xmlGenericErrorFunc old_generic = xmlGenericError;
		void *old_generic_ctx = xmlGenericErrorContext;
		xmlStructuredErrorFunc old_structured = xmlStructuredError;
		void *old_structured_ctx = xmlStructuredErrorContext;

		xmlSetGenericErrorFunc(NULL, silent_generic);
		xmlSetStructuredErrorFunc(NULL, silent_structured);

		ctxt = htmlNewParserCtxt();
		if (ctxt) {
			if (ctxt->sax)
				ctxt->sax->serror = silent_structured;
			doc = htmlCtxtReadMemory(ctxt, html, (int) len, NULL, "UTF-8",
						 HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
						     HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
			htmlFreeParserCtxt(ctxt);
		}

		xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
		xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);

		if (doc) {
			for (xmlNode *top = doc->children; top && !o.full && !o.stop;
			     top = top->next)
				walk(top, &o);
			xmlFreeDoc(doc);
		}
	}
	g_free(valid);

	ret = strdup(o.s->str);
	g_string_free(o.s, TRUE);
	return ret;
}
