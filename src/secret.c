/* SPDX-License-Identifier: MIT */
#include "secret.h"
