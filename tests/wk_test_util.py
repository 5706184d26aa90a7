# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What the Python tests share: collecting garbage, running the main context
# and the timeout of a wait. The test scripts import it from their own
# directory (tests/meson.build also puts tests/ on PYTHONPATH).

import gc
import time

from gi.repository import GLib

# How long a test waits for a delivery before it fails. Generous: it bounds
# a hang, it measures nothing.
TIMEOUT_S = 60


def collect():
    """Collects garbage. Two passes: the first may free cycles whose
    finalizers free more."""
    gc.collect()
    gc.collect()


def drain(context=None):
    """Dispatches what is ready in context (the default one), without
    blocking."""
    context = context or GLib.MainContext.default()
    while context.iteration(False):
        pass


def iterate_until(predicate, context=None, timeout=TIMEOUT_S):
    """Iterates context (the default one) until predicate() is true; fails
    after timeout seconds."""
    context = context or GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        if not context.iteration(False):
            time.sleep(0.001)
        if time.monotonic() > deadline:
            raise AssertionError('nothing was delivered in %d s' % timeout)
