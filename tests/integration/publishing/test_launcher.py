"""launch_gradio(): a real Gradio app in the sandbox, reached from the host with gradio_client.

The fixture app also reports what it can see from inside, so these tests check the
isolation the launcher promises: no network (not even the host's 127.0.0.1), no files
outside its own copy, no secrets in its environment.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.publishing.errors import ArtifactMissing, LaunchError, LaunchTimeout
from support_system.publishing.launcher import LaunchedApp, launch_gradio

FIXTURE_APP = '''
import argparse
import json
import os
import socket
from pathlib import Path

import gradio as gr


def greet(name: str) -> str:
    return f"こんにちは、{name}さん"


def probe() -> str:
    """What this app can reach from inside the sandbox."""
    config = json.loads(Path("probe.json").read_text(encoding="utf-8"))
    seen = {"env": sorted(os.environ), "cwd": os.getcwd(), "uid": os.getuid()}
    for name, address in (("host_port", ("127.0.0.1", config["host_port"])),
                          ("external", ("1.1.1.1", 53))):
        try:
            socket.create_connection(address, timeout=3).close()
            seen[name] = "connected"
        except OSError as error:
            seen[name] = f"refused: {error}"
    for name in ("secret_file", "state_dir"):
        path = Path(config[name])
        seen[name] = "readable" if path.exists() else "absent"
    home = Path(config["home"])
    seen["home"] = sorted(os.listdir(home)) if home.is_dir() else []
    try:
        Path(config["artifact"], "written.txt").write_text("x")
        seen["artifact_write"] = "written"
    except OSError as error:
        seen["artifact_write"] = f"refused: {error}"
    Path("scratch.txt").write_text("the app may write in its own copy")
    return json.dumps(seen)


parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
args = parser.parse_args()
with gr.Blocks(title="fixture") as demo:
    gr.Markdown("# Fixture")
    name = gr.Textbox(label="Name")
    out = gr.Textbox(label="Greeting")
    gr.Button("Greet").click(greet, name, out, api_name="greet")
    report = gr.Textbox(label="Probe")
    gr.Button("Probe").click(probe, None, report, api_name="probe")
print("fixture app starting", flush=True)
demo.launch(server_name="127.0.0.1", server_port=args.port, share=False, ssr_mode=False)
'''


@pytest.fixture(scope="module")
def host_service() -> Iterator[int]:
    """A service on the host's loopback that the sandboxed app must not reach."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture(scope="module")
def launched(
    tmp_path_factory: pytest.TempPathFactory, host_service: int
) -> Iterator[tuple[LaunchedApp, Path]]:
    base = tmp_path_factory.mktemp("launcher")
    artifact = base / "artifact"
    artifact.mkdir()
    (artifact / "app.py").write_text(FIXTURE_APP, encoding="utf-8")
    secret = base / "secret.key"
    secret.write_text("top secret", encoding="utf-8")
    (artifact / "probe.json").write_text(
        json.dumps(
            {
                "host_port": host_service,
                "secret_file": str(secret),
                "state_dir": str(Path.cwd() / ".state"),
                "home": str(Path.home()),
                "artifact": str(artifact),
            }
        ),
        encoding="utf-8",
    )
    os.symlink(secret, artifact / "leak.key")  # never copied into the sandbox
    patch = pytest.MonkeyPatch()
    patch.setenv("OPENAI_API_KEY", "sk-test")
    patch.setenv("HF_TOKEN", "hf-test")
    patch.setenv("SUPPORT_SYSTEM_DATABASE_URL", "sqlite:///x.db")
    app = launch_gradio(artifact, timeout=120)
    patch.undo()
    yield app, artifact
    app.stop()


def test_the_app_answers_gradio_client(launched) -> None:
    from gradio_client import Client

    app, _ = launched
    assert app.url == f"http://127.0.0.1:{app.port}/"
    client = Client(app.url, verbose=False)
    assert client.predict("花子", api_name="/greet") == "こんにちは、花子さん"
    assert "fixture app starting" in app.output()


def test_the_app_is_isolated(launched) -> None:
    from gradio_client import Client

    app, artifact = launched
    seen = json.loads(Client(app.url, verbose=False).predict(api_name="/probe"))
    # 127.0.0.1 inside is the sandbox's own loopback: the host's listening service is not there.
    assert seen["host_port"].startswith("refused")
    assert seen["external"].startswith("refused")
    assert seen["secret_file"] == "absent"
    assert seen["state_dir"] == "absent"
    # The home folder is empty inside, except the folders leading to the Python install
    # when Python lives there (pyenv): no dotfiles, no caches, no credentials.
    python_home = Path(os.path.realpath(sys.base_prefix))
    allowed = (
        {python_home.relative_to(Path.home()).parts[0]}
        if python_home.is_relative_to(Path.home())
        else set()
    )
    assert set(seen["home"]) <= allowed, seen["home"]
    assert seen["artifact_write"].startswith("refused")
    assert seen["cwd"] == str(app.run_dir.resolve())  # a private copy of the artifact
    assert seen["uid"] != 0
    for name in seen["env"]:
        assert not any(word in name.upper() for word in ("KEY", "TOKEN", "SECRET", "PASSWORD"))
        assert not name.startswith("SUPPORT_SYSTEM_")
    assert not (artifact / "scratch.txt").exists() and (app.run_dir / "scratch.txt").exists()
    assert not (app.run_dir / "leak.key").exists()


def test_stop_ends_the_app_and_cleans_up(tmp_path: Path) -> None:
    artifact = tmp_path / "app"
    artifact.mkdir()
    (artifact / "app.py").write_text(FIXTURE_APP, encoding="utf-8")
    app = launch_gradio(artifact, timeout=120)
    with urllib.request.urlopen(app.url, timeout=5) as response:
        assert response.status == 200
    app.stop()
    assert app.process.poll() is not None
    assert not app.run_dir.exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(app.url, timeout=2)
    app.stop()  # twice is fine


def test_a_crashing_app_is_reported_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "raise SystemExit('broken app: no interface defined')\n", encoding="utf-8"
    )
    with pytest.raises(LaunchError) as caught:
        launch_gradio(tmp_path, timeout=30)
    assert "broken app" in caught.value.detail
    assert "broken app" in caught.value.message("en") and "broken app" in caught.value.message("ja")


def test_an_app_that_never_listens_times_out(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import time\nprint('waiting', flush=True)\ntime.sleep(600)\n", encoding="utf-8"
    )
    with pytest.raises(LaunchTimeout) as caught:
        launch_gradio(tmp_path, timeout=3)
    assert "3" in caught.value.message("en")


def test_missing_app_py(tmp_path: Path) -> None:
    with pytest.raises(ArtifactMissing):
        launch_gradio(tmp_path)


def test_requested_port_in_use(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("", encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(LaunchError):
            launch_gradio(tmp_path, port=taken.getsockname()[1])
