/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gio/gio.h>

#define _WOBJ_INSIDE
#include "wk-version.h"
#include "wk-delivery.h"
#include "wk-key-table.h"
#include "wk-ref.h"
#include "wk-set.h"
#include "wk-signal.h"
#include "wk-value-table.h"
#undef _WOBJ_INSIDE
