/* SPDX-License-Identifier: MIT */
#include "outbox.h"
