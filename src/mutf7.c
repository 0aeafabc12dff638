/* SPDX-License-Identifier: MIT */
#include "mutf7.h"
