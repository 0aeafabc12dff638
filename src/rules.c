/* SPDX-License-Identifier: MIT */
#include "rules.h"
