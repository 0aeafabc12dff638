/* SPDX-License-Identifier: MIT */
#include "jobs.h"
