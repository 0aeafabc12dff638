/* SPDX-License-Identifier: MIT */
#include "alert.h"
