/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

#define _WOBJ_INSIDE
#include "wk-version.h"
#include "wk-ref.h"
#undef _WOBJ_INSIDE
