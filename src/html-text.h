/* SPDX-License-Identifier: MIT */
#pragma once

/* HTML to text through libxml2's HTML parser: text with paragraph breaks,
 * entities decoded; <style>, <script>, <head> dropped; quoted blocks
 * (<blockquote>, Gmail's div.gmail_quote, Outlook's divRplyFwdMsg and what
 * follows it, Apple Mail's type=cite) dropped. Input is UTF-8 (mime-text
 * converts first). Pure. Returns NULL only on OOM. */

#include <stddef.h>

char *html_to_text(const char *html, size_t len);
