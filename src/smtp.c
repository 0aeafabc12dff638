/* SPDX-License-Identifier: MIT */
#include "smtp.h"
