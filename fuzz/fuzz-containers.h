/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Longer inputs are ignored (run-fuzz passes -max_len with the same value). */
#define FUZZ_MAX_INPUT 4096

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
