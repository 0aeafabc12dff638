/* SPDX-License-Identifier: MIT */
#include <math.h>

#include <glib.h>

#include "analyse.h"
#include "text-clean.h"
#include "util.h"

void analysis_done(struct analysis *a)
{
	if (!a)
		return;
	free(a->clean_text);
	tone_result_done(&a->tone);
	*a = (struct analysis) {};
}

/* Evidence lines "CATEGORY\tNEGATED\tWEIGHT\tPHRASE\n", bounded by
 * MODEL_MAX_EVIDENCE; phrases lose tabs and line breaks. */
static char *evidence_from_hits(const struct tone_result *t)
{
	GString *out;

	if (t->n_hits == 0)
		return NULL;
	out = g_string_new(NULL);
	for (size_t i = 0; i < t->n_hits; i++) {
		const struct tone_hit *h = &t->hits[i];
		char wbuf[G_ASCII_DTOSTR_BUF_SIZE];
		GString *line = g_string_new(NULL);

		g_string_append_printf(line, "%s\t%d\t%s\t", category_to_string(h->category),
				       h->negated ? 1 : 0,
				       g_ascii_formatd(wbuf, sizeof(wbuf), "%.2f", h->weight));
		for (const char *p = strempty(h->phrase); *p && line->len < 160; p++)
			g_string_append_c(line, (*p == '\t' || *p == '\n' || *p == '\r') ? ' ' : *p);
		g_string_append_c(line, '\n');
		if (out->len + line->len > MODEL_MAX_EVIDENCE) {
			g_string_free(line, TRUE);
			break;
		}
		g_string_append_len(out, line->str, (gssize) line->len);
		g_string_free(line, TRUE);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

int analyse_message(const struct mime_message *m, const struct lexicon *lx, bool store_evidence,
		    struct msg_features *f, struct analysis *ret_analysis)
{
	struct analysis a = {};
	const char *key;
	int r;

	key = !isempty(m->message_id) ? m->message_id : m->header_hash;
	free(f->msgkey);
	f->msgkey = strdup(strempty(key));
	free(f->sender);
	f->sender = strdup(strempty(m->from));
	if (!f->msgkey || !f->sender)
		return -ENOMEM;
	f->date = m->date;
	f->automated = m->automated || mime_sender_is_automated(strempty(m->from));
	f->scored = false;

	a.clean_text = text_clean(strempty(m->text), strlen(strempty(m->text)));
	if (!a.clean_text)
		return -ENOMEM;

	if (lx) {
		r = tone_analyse(lx, a.clean_text, strlen(a.clean_text), &a.tone);
		if (r < 0) {
			analysis_done(&a);
			return r;
		}
		f->scored = true;
		f->tone = a.tone.score;
		f->label = a.tone.label;
		snprintf(f->language, sizeof(f->language), "%s", a.tone.language);
		memcpy(f->categories, a.tone.categories, sizeof(f->categories));
		free(f->evidence);
		f->evidence = store_evidence ? evidence_from_hits(&a.tone) : NULL;
	}

	if (ret_analysis)
		*ret_analysis = a;
	else
		analysis_done(&a);
	return 0;
}
