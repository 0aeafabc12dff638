/* SPDX-License-Identifier: MIT */
#include "mime-text.h"
