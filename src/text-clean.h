/* SPDX-License-Identifier: MIT */
#pragma once

/* Keeps only the client's own words: removes quoted replies ("> " lines,
 * "On ... wrote:", "Le ... a écrit :", Outlook "From:/De :" header blocks,
 * "-----Original Message-----", forwarded blocks), the "-- " signature and
 * "Sent from my iPhone"-style trailers. Input and output UTF-8. Pure.
 * Returns NULL only on OOM. */

#include <stddef.h>

char *text_clean(const char *text, size_t len);
