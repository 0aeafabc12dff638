/* SPDX-License-Identifier: MIT */
#include "lexicon.h"
