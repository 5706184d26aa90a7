# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PyGObject overrides for wobj (namespace Wk, version 1): the protocols of
# Python's weakref module on top of the introspected C API.
#
#   Wk.Ref(obj[, callback])   like weakref.ref
#   Wk.proxy(obj[, callback]) like weakref.proxy
#   Wk.ValueTable([other])    like weakref.WeakValueDictionary (str keys)
#   Wk.KeyTable([dict])       like weakref.WeakKeyDictionary
#   Wk.Set([iterable])        like weakref.WeakSet, and still a Gio.ListModel
#
# Everything weak lives in C: sizes are exact the moment a member is
# finalized on the container's thread, whatever Python's garbage collector
# does. The Python side only checks arguments (the C preconditions are never
# reached from here) and adapts the protocols. See docs/python.md.

import collections.abc
import copy as _copy
import operator as _operator
import types as _types
import weakref as _weakref

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GObject

Wk = get_introspection_module('Wk')

__all__ = []


def _load_helper():
    import os
    if os.environ.get('WOBJ_PYTHON_HELPER', '') == '0':
        return None
    try:
        from . import _wk
    except ImportError:
        return None
    return _wk


_helper = _load_helper()


# Helpers.

def _type_name(obj):
    """'GObject.Object' for a GObject.Object, 'int' for an int."""
    cls = type(obj)
    module = cls.__module__ or ''
    for prefix in ('gi.repository.', 'gi.overrides.'):
        if module.startswith(prefix):
            module = module[len(prefix):]
            break
    if module in ('builtins', ''):
        return cls.__qualname__
    return '%s.%s' % (module, cls.__qualname__)


def _address(obj):
    # A GObject wrapper hashes as the address of its GObject; the base
    # class's hash is used so that a subclass's __hash__ can't change it.
    return GObject.Object.__hash__(obj)


def _check_object(obj):
    """Raises TypeError, as weakref.ref() does, if @obj can't be held
    weakly: only GObjects can."""
    if not isinstance(obj, GObject.Object):
        raise TypeError("cannot create weak reference to '%s' object"
                        % type(obj).__name__)


def _check_key(key):
    """A Wk.ValueTable key: a str without NUL (the C table stores a
    NUL-terminated copy)."""
    if not isinstance(key, str):
        raise TypeError("Wk.ValueTable keys must be str, not '%s'"
                        % type(key).__name__)
    if '\0' in key:
        raise ValueError('embedded null character in Wk.ValueTable key')


def _is_key(key):
    if not isinstance(key, str) or '\0' in key:
        return False
    try:
        key.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def _pyvalue(value):
    """A GValue that holds @value itself (PyGObject's PyObject boxed type):
    the C table keeps a strong reference to the very object, taken and
    released with the GIL."""
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


def _instance_dict(obj):
    """The instance dict of the GObject wrapper @obj, or None. Reading
    obj.__dict__ makes one, and with it a toggle reference that PyGObject
    mishandles while the wrapper is being deallocated (docs/python.md):
    the helper reads it without making one."""
    if _helper is not None:
        return _helper.instance_dict(obj)
    return obj.__dict__


def _gobject_repr_with(obj, what):
    return '%s %s>' % (GObject.Object.__repr__(obj)[:-1], what)


# Wk.Ref

# The callback-less Wk.Ref and proxy of each object, shared as
# weakref.ref(o) is weakref.ref(o), and what each Wk.Ref made here knows
# (see _ref_state), kept in C tables keyed weakly by the object itself: an
# entry goes with its object (never keeping it alive) and lookups are atomic
# from any thread. Made at import, so that they belong to the importing
# thread and its main context (where the entries of objects that die on
# other threads are released).
_shared = {}     # filled once the Wk.KeyTable override exists, below


def _shared_table(name):
    return _shared[name]


def _shared_for(name, obj, make):
    """The shared object of kind @name for @obj, made by make() when there
    is none yet; one wins when two threads race."""
    table = _shared_table(name)
    try:
        return table[obj]    # the helper's lookup when it is loaded
    except KeyError:
        pass
    return table.setdefault(obj, make())


# What a Wk.Ref made here knows beyond its C object, [hash, callback],
# kept in a C table keyed by the Wk.Ref itself rather than in the wrapper's
# instance dict: a dict makes PyGObject hold the wrapper with a toggle
# reference, and a toggle reference turns any g_object_ref() that wobj
# takes while CPython's trashcan defers the wrapper's deallocation into a
# double free (see docs/python.md).
def _ref_state(ref):
    try:
        return _shared_table('state')[ref]
    except KeyError:
        return None


class Ref(Wk.Ref):
    """A weak reference to a GObject: the counterpart of weakref.ref.

    Wk.Ref(obj[, callback]) refers to @obj without keeping it alive.
    Calling the reference returns the object, or None once it is
    finalized. callback(ref) runs once when the object is finalized, on the
    thread that made the reference (from its main context when the object
    dies on another thread); __callback__ gives it, None once the object is
    gone. Wk.Ref(obj) without a callback returns the one shared reference
    to @obj, as weakref.ref does. The GObject way, Wk.Ref(object=obj),
    Wk.Ref() and Wk.Ref.new(), still works and makes a new reference.

    Equality and hashing follow weakref.ref: two live references are equal
    when their objects are the same; a dead one is equal only to itself.
    References are not ordered (< raises TypeError) and take no
    attributes. The hash is the object's, kept once taken (Wk.Ref(obj)
    takes it at once), and never raises: a dead reference whose hash was
    never taken hashes by identity, which is consistent because it is equal
    only to itself.
    """

    def __new__(cls, *args, **kwargs):
        if not args:
            return super().__new__(cls)
        if len(args) > 2:
            raise TypeError('Wk.Ref expected at most 2 arguments, got %d'
                            % len(args))
        if 'object' in kwargs:
            raise TypeError("Wk.Ref got the object both as an argument and as "
                            "'object'")
        obj = args[0]
        callback = args[1] if len(args) > 1 else kwargs.pop('callback', None)
        if kwargs:
            raise TypeError('Wk.Ref got unexpected keyword arguments: %s'
                            % ', '.join(sorted(kwargs)))
        _check_object(obj)
        if callback is None:
            return _shared_for('ref', obj, lambda: _new_ref(obj, None))
        if not callable(callback):
            raise TypeError("callback must be callable, not '%s'"
                            % type(callback).__name__)
        return _new_ref(obj, callback)

    def __init__(self, *args, **kwargs):
        if args:
            return   # made by __new__ through the C constructor
        callback = kwargs.pop('callback', None)
        if callback is not None:
            raise TypeError('Wk.Ref(object=obj, callback=...) is not '
                            'supported: use Wk.Ref(obj, callback)')
        super().__init__(**kwargs)

    def __call__(self):
        return Wk.Ref.dup_object(self)

    @property
    def __callback__(self):
        """The callback given to Wk.Ref(obj, callback), or None once the
        object is gone or when there was none (weakref.ref.__callback__)."""
        if not self.is_alive():
            return None
        state = _ref_state(self)
        return state[1] if state is not None else None

    def __setattr__(self, name, value):
        raise AttributeError("'Wk.Ref' object has no attribute '%s'" % name)

    def __delattr__(self, name):
        raise AttributeError("'Wk.Ref' object has no attribute '%s'" % name)

    # As weakref.ref: a reference is its own copy.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __eq__(self, other):
        if not isinstance(other, Wk.Ref):
            return NotImplemented
        if self is other:
            return True
        mine = self()
        theirs = other()
        if mine is None or theirs is None:
            return False
        return mine == theirs

    def __ne__(self, other):
        equal = self.__eq__(other)
        if equal is NotImplemented:
            return NotImplemented
        return not equal

    # References are not ordered, as weakref.ref: PyGObject would otherwise
    # order them by address.
    def __lt__(self, other):
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        state = _ref_state(self)
        if state is not None and state[0] is not None:
            return state[0]
        obj = self()
        value = hash(obj) if obj is not None else object.__hash__(self)
        if state is None:
            _shared_table('state').insert_value(self, _pyvalue([value, None]))
        else:
            state[0] = value
        return value

    def __repr__(self):
        obj = self()
        if obj is None:
            return '<Wk.Ref at %#x; dead>' % id(self)
        return "<Wk.Ref at %#x; to '%s' at %#x>" % (
            id(self), _type_name(obj), _address(obj))


def _new_ref(obj, callback):
    """A new Wk.Ref to @obj (a GObject) with @callback (a callable or
    None), its hash taken."""
    state = [None, callback]
    if callback is None:
        ref = Wk.Ref.new(obj)
    else:
        def fire(ref, state=state):
            # Forget the callback first: __callback__ is None from now on,
            # and it is released with the C closure once this returns.
            callback = state[1]
            state[1] = None
            if callback is not None:
                callback(ref)
        if _helper is not None:
            # The helper's notify never hands out a Wk.Ref whose wrapper
            # PyGObject is deallocating; PyGObject's closures would.
            ref = _helper.ref_new_full(obj, fire)
        else:
            ref = Wk.Ref.new_full(obj, fire)
    try:
        state[0] = hash(obj)
    except TypeError:
        pass   # an unhashable object: hash(ref) raises while it lives
    _shared_table('state').insert_value(ref, _pyvalue(state))
    return ref


Ref = override(Ref)
__all__.append('Ref')


# Wk.finalize

class finalize:
    """Calls func(*args, **kwargs) once when the GObject @obj is finalized:
    the counterpart of weakref.finalize.

    Wk.finalize(obj, func, /, *args, **kwargs) keeps @func and its
    arguments alive, not @obj. The finalizer runs when @obj is finalized
    (on the thread that made it: from its main context when @obj dies on
    another thread), when it is called, or at interpreter exit while its
    `atexit` attribute is true (the default), whichever comes first; never
    twice. Calling it returns func's result the first time, None after.
    """

    __slots__ = ()
    _registry = {}
    _shutdown = False
    _index_iter = __import__('itertools').count()
    _dirty = False
    _registered_with_atexit = False

    class _Info:
        __slots__ = ('ref', 'func', 'args', 'kwargs', 'atexit', 'index')

    def __init__(self, obj, func, /, *args, **kwargs):
        _check_object(obj)
        if not callable(func):
            raise TypeError("func must be callable, not '%s'" % type(func).__name__)
        if not finalize._registered_with_atexit:
            import atexit
            atexit.register(finalize._exitfunc)
            finalize._registered_with_atexit = True
        info = self._Info()
        info.ref = _new_ref(obj, self)
        info.func = func
        info.args = args
        info.kwargs = kwargs or None
        info.atexit = True
        info.index = next(finalize._index_iter)
        finalize._registry[self] = info
        finalize._dirty = True

    def __call__(self, _=None):
        """Runs the finalizer if it is alive (and the interpreter is not
        past its exit finalizers); returns func's result, else None."""
        info = finalize._registry.pop(self, None)
        if info and not finalize._shutdown:
            return info.func(*info.args, **(info.kwargs or {}))
        return None

    def detach(self):
        """Kills the finalizer without calling it: (obj, func, args,
        kwargs) if it was alive and its object lives, else None."""
        info = finalize._registry.get(self)
        obj = info and info.ref()
        if obj is not None and finalize._registry.pop(self, None):
            return (obj, info.func, info.args, info.kwargs or {})
        return None

    def peek(self):
        """(obj, func, args, kwargs) if the finalizer is alive and its
        object lives, else None; the finalizer stays alive."""
        info = finalize._registry.get(self)
        obj = info and info.ref()
        if obj is not None:
            return (obj, info.func, info.args, info.kwargs or {})
        return None

    @property
    def alive(self):
        """Whether the finalizer has yet to run (and was not detached)."""
        return self in finalize._registry

    @property
    def atexit(self):
        """Whether the finalizer runs at interpreter exit if still alive
        (default True)."""
        info = finalize._registry.get(self)
        return bool(info) and info.atexit

    @atexit.setter
    def atexit(self, value):
        info = finalize._registry.get(self)
        if info:
            info.atexit = bool(value)

    def __repr__(self):
        info = finalize._registry.get(self)
        obj = info and info.ref()
        if obj is None:
            return '<%s object at %#x; dead>' % (type(self).__name__, id(self))
        return "<%s object at %#x; for '%s' at %#x>" % (
            type(self).__name__, id(self), _type_name(obj), _address(obj))

    @classmethod
    def _select_for_exit(cls):
        # The finalizers to run at exit, oldest first: the exit function
        # pops from the end, newest first.
        pending = [(info.index, f) for f, info in cls._registry.items() if info.atexit]
        pending.sort(key=lambda item: item[0])
        return [f for _index, f in pending]

    @classmethod
    def _exitfunc(cls):
        # A finalizer may make or kill others: select again whenever the
        # registry changed. The collector is off meanwhile, so that no
        # finalizer runs from a collection in the middle of the walk.
        import gc
        import sys
        reenable_gc = False
        try:
            if cls._registry:
                if gc.isenabled():
                    reenable_gc = True
                    gc.disable()
                pending = None
                while True:
                    if pending is None or finalize._dirty:
                        pending = cls._select_for_exit()
                        finalize._dirty = False
                    if not pending:
                        break
                    f = pending.pop()
                    try:
                        f()
                    except Exception:
                        sys.excepthook(*sys.exc_info())
        finally:
            # Finalizers that would run after this point (objects dying
            # during interpreter teardown) do nothing.
            finalize._shutdown = True
            if reenable_gc:
                gc.enable()


__all__.append('finalize')


# Wk.connect_weak

def connect_weak(emitter, detailed_signal, method, *extra_args):
    """Connects the bound method @method to @detailed_signal of the GObject
    @emitter without keeping the method's instance (the receiver) alive;
    returns the handler id.

    emitter.connect("clicked", self.on_clicked) keeps self alive as long as
    the emitter lives: when self owns the emitter, neither is ever freed.
    Wk.connect_weak(emitter, "clicked", self.on_clicked) holds self weakly
    (a GObject through a Wk.Ref, any other object through a
    weakref.WeakMethod), never calls the method once self is gone, and
    disconnects the handler when self dies: at once on the thread that
    connected, from that thread's main context when a GObject receiver dies
    on another thread (it is already never called meanwhile). When the
    emitter dies first the handler goes with it. The handler gets the
    signal's arguments then @extra_args, as with connect(), and its return
    value is the signal's.
    """
    _check_object(emitter)
    if not isinstance(detailed_signal, str):
        raise TypeError("detailed_signal must be str, not '%s'"
                        % type(detailed_signal).__name__)
    if not isinstance(method, _types.MethodType):
        raise TypeError("Wk.connect_weak needs a bound method (obj.method), "
                        "not '%s'" % type(method).__name__)
    receiver = method.__self__
    func = method.__func__
    emitter_ref = Ref(emitter)
    handler_id = 0

    def disconnect(_ref):
        # The receiver is gone: the handler goes too, unless the emitter
        # went first (taking its handlers with it).
        emitter = emitter_ref()
        if (emitter is not None and handler_id
                and GObject.signal_handler_is_connected(emitter, handler_id)):
            GObject.signal_handler_disconnect(emitter, handler_id)

    if isinstance(receiver, GObject.Object):
        receiver_ref = Ref(receiver, disconnect)

        def handler(*args):
            receiver = receiver_ref()
            if receiver is None:
                return None
            return func(receiver, *args)
    else:
        try:
            weak_method = _weakref.WeakMethod(method, disconnect)
        except TypeError:
            raise TypeError("cannot create weak reference to '%s' object"
                            % type(receiver).__name__) from None

        def handler(*args):
            bound = weak_method()
            if bound is None:
                return None
            return bound(*args)
    del receiver, method
    handler_id = emitter.connect(detailed_signal, handler, *extra_args)
    return handler_id


__all__.append('connect_weak')


# Wk.proxy

_PROXY_REF = '_Proxy__ref'


def _target(proxy):
    obj = object.__getattribute__(proxy, _PROXY_REF)()
    if obj is None:
        raise ReferenceError('weakly-referenced object no longer exists')
    return obj


def _unwrap(value):
    if isinstance(value, ProxyTypes):
        return _target(value)
    return value


class ProxyType:
    """What Wk.proxy() returns for an object that is not callable: see
    Wk.proxy."""

    __slots__ = ('_Proxy__ref', '__weakref__')

    def __init__(self, obj, callback=None):
        _check_object(obj)
        if callback is None:
            ref = Ref(obj)
        else:
            if not callable(callback):
                raise TypeError("callback must be callable, not '%s'"
                                % type(callback).__name__)
            me = _weakref.ref(self)

            def notify(ref):
                proxy = me()
                if proxy is not None:
                    callback(proxy)
            ref = Ref(obj, notify)
        object.__setattr__(self, _PROXY_REF, ref)

    def __getattribute__(self, name):
        return getattr(_target(self), name)

    def __setattr__(self, name, value):
        setattr(_target(self), name, value)

    def __delattr__(self, name):
        delattr(_target(self), name)

    def __dir__(self):
        return dir(_target(self))

    def __repr__(self):
        obj = object.__getattribute__(self, _PROXY_REF)()
        if obj is None:
            return '<Wk.proxy at %#x; dead>' % id(self)
        return "<Wk.proxy at %#x; to '%s' at %#x>" % (
            id(self), _type_name(obj), _address(obj))

    def __str__(self):
        return str(_target(self))

    def __bytes__(self):
        return bytes(_target(self))

    def __bool__(self):
        return bool(_target(self))

    __hash__ = None

    def __len__(self):
        return len(_target(self))

    def __iter__(self):
        return iter(_target(self))

    def __next__(self):
        return next(_target(self))

    def __reversed__(self):
        return reversed(_target(self))

    def __contains__(self, item):
        return item in _target(self)

    def __getitem__(self, key):
        return _target(self)[key]

    def __setitem__(self, key, value):
        _target(self)[key] = value

    def __delitem__(self, key):
        del _target(self)[key]

    def __index__(self):
        return _operator.index(_target(self))

    def __int__(self):
        return int(_target(self))

    def __float__(self):
        return float(_target(self))

    def __neg__(self):
        return -_target(self)

    def __pos__(self):
        return +_target(self)

    def __abs__(self):
        return abs(_target(self))

    def __invert__(self):
        return ~_target(self)


def _make_binary(op):
    def method(self, other):
        return op(_target(self), _unwrap(other))
    return method


def _make_reflected(op):
    def method(self, other):
        return op(_unwrap(other), _target(self))
    return method


for _name in ('add', 'sub', 'mul', 'matmul', 'truediv', 'floordiv', 'mod',
              'pow', 'lshift', 'rshift', 'and', 'or', 'xor'):
    _op = getattr(_operator, _name + '_' if _name in ('and', 'or') else _name)
    _iop = getattr(_operator, 'i' + _name)
    setattr(ProxyType, '__%s__' % _name, _make_binary(_op))
    setattr(ProxyType, '__r%s__' % _name, _make_reflected(_op))
    setattr(ProxyType, '__i%s__' % _name, _make_binary(_iop))
for _name in ('eq', 'ne', 'lt', 'le', 'gt', 'ge'):
    setattr(ProxyType, '__%s__' % _name, _make_binary(getattr(_operator, _name)))
del _name, _op, _iop


class CallableProxyType(ProxyType):
    """What Wk.proxy() returns for a callable object."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return _target(self)(*args, **kwargs)


ProxyTypes = (ProxyType, CallableProxyType)


def proxy(obj, callback=None):
    """Returns a proxy to the GObject @obj that does not keep it alive: the
    counterpart of weakref.proxy.

    Attribute access (get, set, delete), calls when @obj is callable, and
    the usual operators are forwarded to @obj; once it is finalized they
    raise ReferenceError. callback(proxy) runs once when @obj is finalized,
    as for Wk.Ref. A proxy is not hashable. Wk.proxy(obj) without a
    callback returns the one shared proxy to @obj, as weakref.proxy does.
    """
    cls = CallableProxyType if callable(obj) else ProxyType
    if callback is None:
        _check_object(obj)
        return _shared_for('proxy', obj, lambda: cls(obj))
    return cls(obj, callback)


__all__ += ['proxy', 'ProxyType', 'CallableProxyType', 'ProxyTypes']


# Views shared by the tables: iteration goes through the table's own
# snapshot-based iterators, so that it survives members dying and the
# table changing during the walk.

class _KeysView(collections.abc.KeysView):
    __slots__ = ()

    def __iter__(self):
        return self._mapping._wk_iter_keys()


class _ValuesView(collections.abc.ValuesView):
    __slots__ = ()

    def __iter__(self):
        return self._mapping._wk_iter_values()


class _ItemsView(collections.abc.ItemsView):
    __slots__ = ()

    def __iter__(self):
        return self._mapping._wk_iter_items()

    def __contains__(self, item):
        try:
            key, value = item
        except (TypeError, ValueError):
            return False
        if key not in self._mapping:
            return False
        try:
            found = self._mapping[key]
        except KeyError:
            return False
        return found is value or found == value


class _MappingMixin:
    """What Wk.ValueTable and Wk.KeyTable share: the MutableMapping mixin
    methods, written against the tables' atomic C operations. (The tables
    are GObjects: they can't inherit from the ABC, and are registered with
    it instead.)"""

    __slots__ = ()

    __hash__ = None
    __reversed__ = None
    __class_getitem__ = classmethod(_types.GenericAlias)

    def __bool__(self):
        return self.get_size() > 0

    def __len__(self):
        return self.get_size()

    def __iter__(self):
        return self._wk_iter_keys()

    def keys(self):
        return _KeysView(self)

    def values(self):
        return _ValuesView(self)

    def items(self):
        return _ItemsView(self)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def clear(self):
        self.remove_all()

    def update(self, other=(), /, **kwargs):
        if isinstance(other, collections.abc.Mapping):
            for key in other:
                self[key] = other[key]
        elif hasattr(other, 'keys'):
            for key in other.keys():
                self[key] = other[key]
        else:
            for key, value in other:
                self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    def __eq__(self, other):
        if not isinstance(other, collections.abc.Mapping):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    def __ne__(self, other):
        equal = self.__eq__(other)
        if equal is NotImplemented:
            return NotImplemented
        return not equal

    def __copy__(self):
        return self.copy()

    def __or__(self, other):
        if isinstance(other, collections.abc.Mapping):
            c = self.copy()
            c.update(other)
            return c
        return NotImplemented

    def __ror__(self, other):
        if isinstance(other, collections.abc.Mapping):
            c = type(self)()
            c.update(other)
            c.update(self)
            return c
        return NotImplemented

    def __ior__(self, other):
        self.update(other)
        return self

    def __repr__(self):
        n = self.get_size()
        return _gobject_repr_with(self, 'with %d entr%s' % (n, 'y' if n == 1 else 'ies'))


# Wk.ValueTable

class ValueTable(_MappingMixin, Wk.ValueTable):
    """A mapping of str keys to weakly held GObjects: the counterpart of
    weakref.WeakValueDictionary, and a collections.abc.MutableMapping.

    An entry goes away when its object is finalized (the object-finalized
    signal tells, with the key). Keys must be str: another key raises
    TypeError, except in a membership test, which answers False. A value
    that can't be held weakly (not a GObject) raises TypeError.

    Iteration (the table, keys(), values(), items()) works on a snapshot
    taken when it starts: the table may change, and objects may die, during
    the walk without any error; an entry removed or dead before the walk
    reaches it is skipped, one added is not seen.
    """

    def __new__(cls, *args, **kwargs):
        # The C constructor is g_object_new() with no property set (string
        # keys, as GObject.new(Wk.ValueTable) gives). The table is made
        # here because __init__ below does not chain up to
        # GObject.Object.__init__(), which would take the keyword
        # arguments, entries of the mapping, for properties.
        return Wk.ValueTable.new()

    def __init__(self, other=(), /, **kwargs):
        self.update(other, **kwargs)

    def __getitem__(self, key):
        _check_key(key)
        obj = self.lookup(key)
        if obj is None:
            raise KeyError(key)
        return obj

    def __setitem__(self, key, obj):
        _check_key(key)
        _check_object(obj)
        self.insert(key, obj)

    def __delitem__(self, key):
        _check_key(key)
        if not self.remove(key):
            raise KeyError(key)

    def __contains__(self, key):
        if not _is_key(key):
            return False
        return self.contains(key)

    def _wk_iter_keys(self):
        if _helper is not None:
            for key, _obj in _helper.Iter(self):
                yield key
            return
        contains = self.contains
        for key in self.dup_keys():
            if contains(key):
                yield key

    def _wk_iter_items(self):
        if _helper is not None:
            # The walk in C, which never hands out a wrapper PyGObject is
            # deallocating (dup_keys() would take references to them).
            yield from _helper.Iter(self)
            return
        lookup = self.lookup
        for key in self.dup_keys():
            obj = lookup(key)
            if obj is not None:
                yield key, obj

    def _wk_iter_values(self):
        for _key, obj in self._wk_iter_items():
            yield obj

    def pop(self, key, *default):
        if len(default) > 1:
            raise TypeError('pop expected at most 2 arguments, got %d'
                            % (1 + len(default)))
        _check_key(key)
        obj = self._wk_pop(key)
        if obj is None:
            if default:
                return default[0]
            raise KeyError(key)
        return obj

    def _wk_pop(self, key):
        if _helper is not None:
            # Never hands out a wrapper PyGObject is deallocating.
            return _helper.value_table_pop(self, key)
        return Wk.ValueTable.pop(self, key)

    def popitem(self):
        while True:
            keys = list(self._wk_iter_keys())
            if not keys:
                raise KeyError('popitem(): dictionary is empty')
            for key in keys:
                obj = self._wk_pop(key)
                if obj is not None:
                    return key, obj

    def setdefault(self, key, default=None):
        _check_key(key)
        if isinstance(default, GObject.Object):
            # Atomic: one value wins, whoever else inserts at the same time.
            if _helper is not None:
                # Never hands out a wrapper PyGObject is deallocating.
                return _helper.value_table_setdefault(self, key, default)
            return self.lookup_or_insert(key, lambda k: default)
        obj = self.get(key)   # the helper's, when it is loaded
        if obj is None:
            _check_object(default)
        return obj

    # The snapshots of the C API, which hand out every live object: the
    # helper's leave out those whose wrapper PyGObject is deallocating.
    def dup_entries(self):
        if _helper is not None:
            return _helper.value_table_dup_entries(self)
        return Wk.ValueTable.dup_entries(self)

    def dup_keys(self):
        if _helper is not None:
            return self.dup_entries()[0]
        return Wk.ValueTable.dup_keys(self)

    def dup_values(self):
        if _helper is not None:
            return self.dup_entries()[1]
        return Wk.ValueTable.dup_values(self)

    def copy(self):
        new = ValueTable()
        for key, obj in self._wk_iter_items():
            new.insert(key, obj)
        return new

    def __deepcopy__(self, memo):
        new = ValueTable()
        for key, obj in self._wk_iter_items():
            new[_copy.deepcopy(key, memo)] = obj
        return new

    def itervaluerefs(self):
        """Yields a Wk.Ref to each value (weakref's itervaluerefs)."""
        for obj in self._wk_iter_values():
            yield Ref(obj)

    def valuerefs(self):
        """A list of Wk.Refs to the values (weakref's valuerefs)."""
        return list(self.itervaluerefs())


ValueTable = override(ValueTable)
collections.abc.MutableMapping.register(ValueTable)
__all__.append('ValueTable')


# Wk.KeyTable

class KeyTable(_MappingMixin, Wk.KeyTable):
    """A mapping from weakly held GObjects, compared by identity, to any
    Python value: the counterpart of weakref.WeakKeyDictionary, and a
    collections.abc.MutableMapping.

    The table holds each value strongly, in C (a GValue of PyGObject's
    PyObject type): a value lives as long as its entry, and is released when
    the key is finalized (after the object-finalized signal, which gets the
    value), removed, replaced or the table is destroyed. A key that can't be
    held weakly raises TypeError, except in a membership test, which
    answers False.

    Iteration works on a snapshot that keeps no key alive, as for
    Wk.ValueTable.
    """

    def __new__(cls, *args, **kwargs):
        # The C constructor is g_object_new() with no property set (GValue
        # values, as GObject.new(Wk.KeyTable) gives). Made here for the
        # reason given in ValueTable.__new__.
        return Wk.KeyTable.new()

    def __init__(self, dict=None, /, **kwargs):
        if dict is not None:
            self.update(dict)
        if kwargs:
            self.update(kwargs)

    def __getitem__(self, key):
        _check_object(key)
        found, value = self.lookup_value(key)
        if not found:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value):
        _check_object(key)
        self.insert_value(key, _pyvalue(value))

    def __delitem__(self, key):
        _check_object(key)
        if not self.remove(key):
            raise KeyError(key)

    def __contains__(self, key):
        if not isinstance(key, GObject.Object):
            return False
        return self.contains(key)

    def _wk_iter_keys(self):
        if _helper is not None:
            # The same walk in C, which also skips a key whose wrapper
            # PyGObject is deallocating.
            yield from _helper.Iter(self)
            return
        # The C iterator's snapshot keeps no key alive. It still steps on
        # keys removed (not dead) since it started: skip them.
        it = Wk.KeyTableIter()
        it.init(self)
        contains = self.contains
        try:
            while True:
                found, key, _value = it.next()
                if not found:
                    return
                if contains(key):
                    yield key
        finally:
            it.clear()

    def _wk_iter_items(self):
        if _helper is not None:
            getitem = self.__getitem__
            for key in self._wk_iter_keys():
                try:
                    value = getitem(key)
                except KeyError:
                    continue
                yield key, value
            return
        lookup = self.lookup_value
        for key in self._wk_iter_keys():
            found, value = lookup(key)
            if found:
                yield key, value

    def _wk_iter_values(self):
        for _key, value in self._wk_iter_items():
            yield value

    def pop(self, key, *default):
        if len(default) > 1:
            raise TypeError('pop expected at most 2 arguments, got %d'
                            % (1 + len(default)))
        _check_object(key)
        found, value = self._wk_pop_value(key)
        if not found:
            if default:
                return default[0]
            raise KeyError(key)
        return value

    def popitem(self):
        while True:
            keys = list(self._wk_iter_keys())
            if not keys:
                raise KeyError('popitem(): dictionary is empty')
            for key in keys:
                found, value = self._wk_pop_value(key)
                if found:
                    return key, value

    def _wk_pop_value(self, key):
        if _helper is not None:
            # With the GIL held: PyGObject's invoke path for the value
            # crashes while CPython's trashcan defers deallocations
            # (docs/python.md).
            return _helper.key_table_pop(self, key)
        return self.pop_value(key)

    def setdefault(self, key, default=None):
        _check_object(key)
        # Atomic: one value wins, whoever else inserts at the same time.
        if _helper is not None:
            # As _wk_pop_value().
            return _helper.key_table_setdefault(self, key, default)
        _inserted, value = self.lookup_or_insert_value(key, _pyvalue(default))
        return value

    def copy(self):
        new = KeyTable()
        for key, value in self._wk_iter_items():
            new[key] = value
        return new

    def __deepcopy__(self, memo):
        new = KeyTable()
        for key, value in self._wk_iter_items():
            new[key] = _copy.deepcopy(value, memo)
        return new

    # The snapshots of the C API, as for Wk.ValueTable.
    def dup_entries(self):
        if _helper is not None:
            return _helper.key_table_dup_entries(self)
        return Wk.KeyTable.dup_entries(self)

    def dup_keys(self):
        if _helper is not None:
            return self.dup_entries()[0]
        return Wk.KeyTable.dup_keys(self)

    def dup_values(self):
        if _helper is not None:
            return self.dup_entries()[1]
        return Wk.KeyTable.dup_values(self)

    def keyrefs(self):
        """A list of Wk.Refs to the keys (weakref's keyrefs)."""
        return [Ref(key) for key in self._wk_iter_keys()]


KeyTable = override(KeyTable)
collections.abc.MutableMapping.register(KeyTable)
__all__.append('KeyTable')

_shared.update((name, KeyTable()) for name in ('ref', 'proxy', 'state'))


# Wk.Set

def _member_gtype(member_type):
    """The GType of a Wk.Set's member_type (a class or a GType), which must
    be GObject or a subtype: checked here rather than by a GLib warning."""
    gtype = getattr(member_type, '__gtype__', member_type)
    if not isinstance(gtype, GObject.GType) or not gtype.is_a(GObject.TYPE_OBJECT):
        raise TypeError('member_type must be GObject.Object or a subclass, not %r'
                        % (member_type,))
    return gtype

def _set_op(name, set_, other):
    """The C set operation @name (Wk.Set.update, is_subset, ...) of the
    Wk.Sets @set_ and @other. wobj takes and drops a reference to every
    member: the helper keeps that from deallocating a second time a member
    whose wrapper PyGObject is deallocating (docs/python.md)."""
    if _helper is not None:
        return _helper.set_op(name, set_, other)
    return getattr(Wk.Set, name)(set_, other)


class Set(Wk.Set):
    """A set of weakly held GObjects, compared by identity: the counterpart
    of weakref.WeakSet, and a collections.abc.MutableSet.

    Wk.Set([iterable], member_type=GObject.Object): a set whose members
    must be of member_type. It is still a Gio.ListModel of Wk.Refs to its
    members (s[i] and get_item(i) give the Wk.Ref of row i); iterating it
    gives the members themselves, from a snapshot that keeps none alive.
    len() counts live members (get_size()), which may differ from
    get_n_items() while the model catches up with another thread.

    == is true only against another Wk.Set with the same members. As for
    WeakSet, the other operand of the operators and methods may be any
    iterable of GObjects; a Wk.Set goes through the C set algebra.
    """

    def __init__(self, iterable=None, /, **kwargs):
        if 'member_type' in kwargs:
            kwargs['member_type'] = _member_gtype(kwargs['member_type'])
        try:
            self.__grefcount__
        except TypeError:
            super().__init__(**kwargs)   # the first call: make the GObject
        else:
            # Called again, as set.__init__ and WeakSet.__init__ may be: the
            # members are replaced. The member type is construct-only.
            if kwargs.get('member_type', self.get_member_type()) != self.get_member_type():
                raise TypeError("a Wk.Set's member_type can't be changed")
            other = set(kwargs) - {'member_type'}
            if other:
                raise TypeError('Wk.Set.__init__() got unexpected keyword arguments: %s'
                                % ', '.join(sorted(other)))
            if iterable is not None:
                iterable = self._wk_objects(iterable)
            self.remove_all()
        if iterable is not None:
            self.update(iterable)

    @classmethod
    def new(cls, member_type):
        """Wk.Set.new(member_type), checked in Python first."""
        return cls(member_type=member_type)

    # Checks.

    def _wk_is_member_type(self, obj):
        member_type = self.get_member_type()
        return (member_type == GObject.TYPE_OBJECT
                or GObject.type_is_a(obj.__gtype__, member_type))

    def _wk_check_member(self, obj):
        _check_object(obj)
        if not self._wk_is_member_type(obj):
            raise TypeError("a member of this Wk.Set must be a %s, not '%s'"
                            % (self.get_member_type().name, _type_name(obj)))

    def _wk_set_fits(self, other):
        """Whether every member of the Wk.Set @other may join self."""
        mine = self.get_member_type()
        return (mine == GObject.TYPE_OBJECT
                or GObject.type_is_a(other.get_member_type(), mine))

    def _wk_new(self, iterable=None):
        return Set(iterable, member_type=self.get_member_type())

    # Basic protocol.

    def __len__(self):
        return self.get_size()

    def __bool__(self):
        return self.get_size() > 0

    def __contains__(self, obj):
        # The C set answers FALSE for an object of another type.
        if not isinstance(obj, GObject.Object):
            return False
        return self.contains(obj)

    def __iter__(self):
        if _helper is not None:
            # The same walk in C, which also skips a member whose wrapper
            # PyGObject is deallocating.
            yield from _helper.Iter(self)
            return
        # The C iterator's snapshot keeps no member alive. It still steps on
        # members removed (not dead) since it started: skip them.
        it = Wk.SetIter()
        it.init(self)
        contains = self.contains
        try:
            while True:
                found, obj = it.next()
                if not found:
                    return
                if contains(obj):
                    yield obj
        finally:
            it.clear()

    def __getitem__(self, index):
        """The Wk.Ref of row @index of the list model (Gio.ListModel)."""
        n = self.get_n_items()
        if isinstance(index, slice):
            return [self.get_item(i) for i in range(*index.indices(n))]
        index = _operator.index(index)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError('Wk.Set row index out of range')
        return self.get_item(index)

    def __repr__(self):
        n = self.get_size()
        return _gobject_repr_with(self, 'with %d member%s' % (n, '' if n == 1 else 's'))

    __hash__ = None
    __class_getitem__ = classmethod(_types.GenericAlias)

    # Changes.

    def add(self, obj):
        self._wk_check_member(obj)
        Wk.Set.add(self, obj)

    def discard(self, obj):
        _check_object(obj)
        Wk.Set.remove(self, obj)

    def remove(self, obj):
        _check_object(obj)
        if not Wk.Set.remove(self, obj):
            raise KeyError(obj)

    def pop(self):
        if _helper is not None:
            # Never hands out a wrapper PyGObject is deallocating.
            obj = _helper.set_pop(self)
        else:
            obj = Wk.Set.pop(self)
        if obj is None:
            raise KeyError('pop from empty Wk.Set')
        return obj

    def clear(self):
        self.remove_all()

    def dup_members(self):
        if _helper is not None:
            # Leaves out the members whose wrapper PyGObject is
            # deallocating: PyGObject would hand them out.
            return _helper.set_dup_members(self)
        return Wk.Set.dup_members(self)

    def copy(self):
        new = self._wk_new()
        _set_op('update', new, self)
        return new

    def __copy__(self):
        # As copy.copy(WeakSet): the same members, and the instance dict
        # (its values shared).
        new = self.copy()
        state = _instance_dict(self)
        if state:
            new.__dict__.update(state)
        return new

    def __deepcopy__(self, memo):
        # As copy.deepcopy(WeakSet): the members are shared, not copied (a
        # weak set can't own copies: they would die at once), the instance
        # dict is copied deeply.
        new = self.copy()
        memo[id(self)] = new
        state = _instance_dict(self)
        if state:
            for name, value in list(state.items()):
                new.__dict__[name] = _copy.deepcopy(value, memo)
        return new

    def update(self, other):
        if isinstance(other, Wk.Set) and self._wk_set_fits(other):
            _set_op('update', self, other)
            return
        for obj in other:
            self.add(obj)

    def __ior__(self, other):
        self.update(other)
        return self

    def intersection_update(self, other):
        self.__iand__(other)

    def __iand__(self, other):
        if isinstance(other, Wk.Set):
            _set_op('intersection_update', self, other)
            return self
        _set_op('intersection_update', self, Set(self._wk_objects(other)))
        return self

    def difference_update(self, other):
        self.__isub__(other)

    def __isub__(self, other):
        if isinstance(other, Wk.Set):
            _set_op('difference_update', self, other)
            return self
        for obj in self._wk_objects(other):
            self.discard(obj)
        return self

    def symmetric_difference_update(self, other):
        self.__ixor__(other)

    def __ixor__(self, other):
        if isinstance(other, Wk.Set) and self._wk_set_fits(other):
            _set_op('symmetric_difference_update', self, other)
            return self
        if other is self:
            self.remove_all()
            return self
        objs = []
        seen = set()
        for obj in other:
            self._wk_check_member(obj)
            if obj not in seen:
                seen.add(obj)
                objs.append(obj)
        for obj in objs:
            if not Wk.Set.remove(self, obj):
                Wk.Set.add(self, obj)
        return self

    # New sets.

    def union(self, other):
        new = self.copy()
        new.update(other)
        return new

    __or__ = union

    def intersection(self, other):
        # Stricter than WeakSet, which skips what it can't hold weakly: an
        # operand item that is not a GObject raises TypeError here, as in
        # every other operation but `in`.
        if isinstance(other, Wk.Set):
            return _set_op('intersection', self, other)
        return self._wk_new(obj for obj in self._wk_objects(other) if obj in self)

    __and__ = intersection

    def difference(self, other):
        new = self.copy()
        new.difference_update(other)
        return new

    __sub__ = difference

    def symmetric_difference(self, other):
        new = self.copy()
        new.symmetric_difference_update(other)
        return new

    __xor__ = symmetric_difference

    # Comparisons.

    @staticmethod
    def _wk_objects(iterable):
        objs = []
        for obj in iterable:
            _check_object(obj)
            objs.append(obj)
        return objs

    def _wk_as_set(self, other):
        if isinstance(other, Wk.Set):
            return other
        return Set(self._wk_objects(other))

    # The C API's names, through the same guard.
    def is_subset(self, other):
        return _set_op('is_subset', self, other)

    def is_superset(self, other):
        return _set_op('is_superset', self, other)

    def is_disjoint(self, other):
        return _set_op('is_disjoint', self, other)

    def equal(self, other):
        return _set_op('equal', self, other)

    def issubset(self, other):
        return _set_op('is_subset', self, self._wk_as_set(other))

    __le__ = issubset

    def __lt__(self, other):
        other = self._wk_as_set(other)
        return _set_op('is_subset', self, other) and not _set_op('equal', self, other)

    def issuperset(self, other):
        return _set_op('is_superset', self, self._wk_as_set(other))

    __ge__ = issuperset

    def __gt__(self, other):
        other = self._wk_as_set(other)
        return _set_op('is_superset', self, other) and not _set_op('equal', self, other)

    def isdisjoint(self, other):
        if isinstance(other, Wk.Set):
            return _set_op('is_disjoint', self, other)
        return not any(obj in self for obj in self._wk_objects(other))

    def __eq__(self, other):
        if not isinstance(other, Wk.Set):
            return NotImplemented
        return _set_op('equal', self, other)

    def __ne__(self, other):
        if not isinstance(other, Wk.Set):
            return NotImplemented
        return not _set_op('equal', self, other)


Set = override(Set)
collections.abc.MutableSet.register(Set)
__all__.append('Set')


# The compiled helper (gi/overrides/_wk, built from overrides/_wk.c): the
# hot paths as method descriptors that call wobj with the GIL held, several
# times faster than PyGObject's generic invoke path, and that never hand
# out a wrapper PyGObject is deallocating (see docs/python.md). Without it
# (not built, or WOBJ_PYTHON_HELPER=0 in the environment) the pure-Python
# methods above do the same work.

if _helper is not None:
    Ref.__call__ = _helper.method(Ref, 'Ref.__call__')
    _helper.install_call(Ref)
    ValueTable.__getitem__ = _helper.method(ValueTable, 'ValueTable.__getitem__')
    ValueTable.get = _helper.method(ValueTable, 'ValueTable.get')
    ValueTable.__contains__ = _helper.method(ValueTable, 'ValueTable.__contains__')
    KeyTable.__getitem__ = _helper.method(KeyTable, 'KeyTable.__getitem__')
    Set.__contains__ = _helper.method(Set, 'Set.__contains__')
