/* SPDX-License-Identifier: MIT */
#include "imap-sync.h"
