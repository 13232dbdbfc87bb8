"""#15: the wheel installs and works anywhere: a fresh virtual environment, run from a folder outside the repository.

What an operator does after deploy/README.md: build the wheel, `pip install` it (its dependencies from the
package index) into a new environment, then use `cbec` from some other folder. The repository is not on the path,
so a module or a data file (XSDs, samples, templates, static files, reference data) missing from the wheel or a
dependency missing from pyproject.toml fails here, as it would for the operator.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import missing

pytestmark = pytest.mark.slow(reason="builds the wheel and installs it with its dependencies into a fresh virtual "
                                     "environment (about 40 s with pip's cache); runs in CI like every test")

ROOT = Path(__file__).resolve().parents[2]
#: not part of a source tree: environments, build output, caches, local data
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".ruff_cache", ".mypy_cache", "cbec-data", "node_modules")
QUIET = ["--quiet", "--disable-pip-version-check"]


def _run(command: list, cwd: Path, env: dict[str, str], timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(wheel, venv, env): the wheel built from a copy of the source tree, installed into a fresh venv.

    The copy keeps the repository clean and keeps a stale build/ folder out of the wheel. Outside CI a machine
    that cannot build or install (no network, no ensurepip) skips; with CI=true that is a failure."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("CBEC_")}
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    built = _run([sys.executable, "-m", "pip", "wheel", *QUIET, "--no-deps", "-w", tmp / "dist", source], tmp, env)
    wheels = sorted((tmp / "dist").glob("cbec-*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        missing(f"the wheel could not be built: {built.stdout}{built.stderr}")
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", venv], tmp, env)
    if made.returncode != 0:
        missing(f"no fresh virtual environment (python3-venv?): {made.stdout}{made.stderr}")
    started = time.monotonic()
    install = _run([venv / "bin" / "python", "-m", "pip", "install", *QUIET, wheels[0]], tmp, env, timeout=900)
    if install.returncode != 0:
        missing(f"the wheel could not be installed with its dependencies: {install.stdout}{install.stderr}")
    print(f"pip install of the wheel into a fresh venv: {time.monotonic() - started:.0f} s")
    return wheels[0], venv, env


def test_the_wheel_carries_the_schemas_samples_and_console_files(installed) -> None:
    names = set(zipfile.ZipFile(installed[0]).namelist())
    for name in ("schemas/xsd/ceb_import_202205.xsd", "schemas/xsd/ceb_export_202205.xsd",
                 "schemas/xsd/dxp_terminal_202205.xsd", "schemas/xsd/dxp_transport_202205.xsd",
                 "schemas/xsd/xmldsig-core-schema.xsd", "schemas/xsd/README.md", "schemas/samples/README.md",
                 "schemas/samples/202205/import/CEB311Message.xml",
                 "schemas/samples/202205/export/CEB214Message .xml",
                 "adapters/reference/data/countries.csv", "ui/static/style.css"):
        assert name in names, name
    assert sum(n.startswith("schemas/samples/202205/") for n in names) == 39
    assert any(n.startswith("ui/templates/") and n.endswith(".html") for n in names)


def test_an_installed_cbec_builds_validates_and_reads_messages_outside_the_repository(installed, tmp_path) -> None:
    _, venv, env = installed
    cbec = venv / "bin" / "cbec"
    with open(tmp_path / "f.xml", "wb") as out:  # cbec example CEB621 > f.xml
        example = subprocess.run([str(cbec), "example", "CEB621"], cwd=tmp_path, env=env, stdout=out,
                                 stderr=subprocess.PIPE, timeout=120, check=False)
    assert example.returncode == 0, example.stderr.decode(errors="replace")
    assert b"<ceb:CEB621Message" in (tmp_path / "f.xml").read_bytes()
    validated = _run([cbec, "validate", "f.xml"], tmp_path, env, timeout=120)
    assert (validated.returncode, validated.stdout.strip()) == (0, "OK"), validated.stdout + validated.stderr

    where = "import schemas; print(schemas.sample('import', 'CEB312Message.xml'))"
    located = _run([venv / "bin" / "python", "-c", where], tmp_path, env, timeout=60)
    sample = Path(located.stdout.strip())
    assert sample.is_file() and sample.is_relative_to(venv), located.stdout + located.stderr
    inspected = _run([cbec, "inspect", sample], tmp_path, env, timeout=120)
    assert '"message_type": "CEB312"' in inspected.stdout, inspected.stdout + inspected.stderr


def test_an_installed_cbec_serves_the_platform(installed, tmp_path) -> None:
    _, venv, env = installed
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen([str(venv / "bin" / "cbec"), "serve", "--data", str(tmp_path / "data"),
                                   "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        health, deadline = None, time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = _get(url + "/healthz")
                if health[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        output = (tmp_path / "serve.log").read_text(errors="replace")
        assert health is not None and health[0] == 200, f"/healthz: {health}; cbec serve said:\n{output}"
        assert '"ok":true' in health[1].replace(" ", "")
        assert "platform running" in output
        login, static = _get(url + "/login"), _get(url + "/static/style.css")
        assert login[0] == 200 and "login_csrf" in login[1]
        assert static[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
