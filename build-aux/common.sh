# shellcheck shell=bash
# Shared by run-tests and run-demo: sourced, not run.
# Expects to be sourced from the source root (both scripts cd there first).

# The build directory and install prefix both commands use.
WK_BUILD=_build
WK_PREFIX=$PWD/_install
WK_PYTHON=/usr/bin/python3
WK_SETUP_ARGS=(--werror --prefix "$WK_PREFIX")

wk_step() { printf '\n=== %s\n' "$*"; }

# Configures $WK_BUILD: a fresh setup; nothing for a build directory that
# already has the options (ninja re-runs meson itself when a meson.build
# changed); `meson configure` for one with other options; a wipe only for a
# build directory this meson cannot read. Returns non-zero on failure.
wk_setup() {
  local current
  wk_step "meson setup $WK_BUILD ${WK_SETUP_ARGS[*]}"
  if [[ ! -f $WK_BUILD/meson-private/coredata.dat ]]; then
    meson setup "$WK_BUILD" "${WK_SETUP_ARGS[@]}"
    return
  fi
  if ! current=$(meson introspect "$WK_BUILD" --buildoptions 2>/dev/null | "$WK_PYTHON" -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(str(opts["werror"]).lower(), opts["prefix"])'); then
    echo "$WK_BUILD cannot be read by this meson: wiping it"
    meson setup --wipe "$WK_BUILD" "${WK_SETUP_ARGS[@]}"
    return
  fi
  if [[ $current == "true $WK_PREFIX" ]]; then
    echo "$WK_BUILD is configured already (werror, prefix $WK_PREFIX)"
    return 0
  fi
  meson configure "$WK_BUILD" -Dwerror=true -Dprefix="$WK_PREFIX"
}

wk_compile() {
  wk_step "meson compile -C $WK_BUILD"
  meson compile -C "$WK_BUILD"
}

# Prints an absolute install directory of the prefix, as meson was told
# it: wk_install_dir libdir (or bindir, datadir, includedir...). Debian's
# meson picks lib/x86_64-linux-gnu, hence asking rather than guessing.
wk_install_dir() {
  meson introspect "$WK_BUILD" --buildoptions | "$WK_PYTHON" -c '
import json, os, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(os.path.join(opts["prefix"], opts[sys.argv[1]]))' "$1"
}
