/* SPDX-License-Identifier: MIT */
#include "text-clean.h"
