/* SPDX-License-Identifier: MIT */
#include "imap-tls.h"
