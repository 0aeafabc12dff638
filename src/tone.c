/* SPDX-License-Identifier: MIT */
#include "tone.h"
