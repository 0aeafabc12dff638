/* SPDX-License-Identifier: MIT */
#include <strings.h>

#include "model.h"
#include "util.h"

static const char *const symbol_table[_SYMBOL_MAX] = {
	[SYMBOL_VOLUME] = "VOLUME",
	[SYMBOL_OUT_OF_WINDOW] = "OUT_OF_WINDOW",
	[SYMBOL_AFTER_HOURS] = "AFTER_HOURS",
	[SYMBOL_NEGATIVE_TONE] = "NEGATIVE_TONE",
	[SYMBOL_FEEDBACK_IMBALANCE] = "FEEDBACK_IMBALANCE",
	[SYMBOL_DOUBT] = "DOUBT",
	[SYMBOL_PRESSURE] = "PRESSURE",
	[SYMBOL_ABUSE] = "ABUSE",
	[SYMBOL_PAYMENT] = "PAYMENT",
	[SYMBOL_COST] = "COST",
};

static const char *const level_table[_LEVEL_MAX] = {
	[LEVEL_NONE] = "none",
	[LEVEL_PINK] = "pink",
	[LEVEL_RED] = "red",
};

static const char *const category_table[_CATEGORY_MAX] = {
	[CATEGORY_NEGATIVE] = "negative",
	[CATEGORY_POSITIVE] = "positive",
	[CATEGORY_DOUBT] = "doubt",
	[CATEGORY_PRESSURE] = "pressure",
	[CATEGORY_ABUSE] = "abuse",
	[CATEGORY_PAYMENT] = "payment",
};

static const char *const tone_label_table[_TONE_LABEL_MAX] = {
	[TONE_NEUTRAL] = "neu",
	[TONE_NEGATIVE] = "neg",
	[TONE_POSITIVE] = "pos",
};

static int lookup(const char *const *table, int n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (strcasecmp(table[i], s) == 0)
			return i;
	return -EINVAL;
}

const char *symbol_to_string(enum symbol s)
{
	return s >= 0 && s < _SYMBOL_MAX ? symbol_table[s] : NULL;
}
enum symbol symbol_from_string(const char *s)
{
	return (enum symbol) lookup(symbol_table, _SYMBOL_MAX, s);
}
const char *level_to_string(enum level l)
{
	return l >= 0 && l < _LEVEL_MAX ? level_table[l] : NULL;
}
enum level level_from_string(const char *s)
{
	return (enum level) lookup(level_table, _LEVEL_MAX, s);
}
const char *category_to_string(enum category c)
{
	return c >= 0 && c < _CATEGORY_MAX ? category_table[c] : NULL;
}
enum category category_from_string(const char *s)
{
	return (enum category) lookup(category_table, _CATEGORY_MAX, s);
}
const char *tone_label_to_string(enum tone_label l)
{
	return l >= 0 && l < _TONE_LABEL_MAX ? tone_label_table[l] : NULL;
}
enum tone_label tone_label_from_string(const char *s)
{
	return (enum tone_label) lookup(tone_label_table, _TONE_LABEL_MAX, s);
}

enum tone_label tone_label_from_score(double score)
{
	if (score <= -0.05)
		return TONE_NEGATIVE;
	if (score >= 0.05)
		return TONE_POSITIVE;
	return TONE_NEUTRAL;
}

void msg_features_done(struct msg_features *f)
{
	if (!f)
		return;
	free(f->msgkey);
	free(f->account);
	free(f->folder);
	free(f->sender);
	free(f->evidence);
	*f = (struct msg_features) {};
}
