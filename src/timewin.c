/* SPDX-License-Identifier: MIT */
#include "timewin.h"
