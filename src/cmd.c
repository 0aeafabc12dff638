/* SPDX-License-Identifier: MIT */
#include "cmd.h"
