/* SPDX-License-Identifier: MIT */
#include "analyse.h"
