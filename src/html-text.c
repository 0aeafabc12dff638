/* SPDX-License-Identifier: MIT */
#include "html-text.h"
