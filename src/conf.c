/* SPDX-License-Identifier: MIT */
#include "conf.h"
