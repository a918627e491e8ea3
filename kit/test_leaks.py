"""Nothing from the developer's tree, and no index credential, ends up in an image; nor does the
index mirror's URL in prod. And the suite's cleanup of the build cache keeps it warm for the next
run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from kit.support import (
    base_image,
    build_cache_bytes,
    build_cache_cleaned,
    built,
    copy_repo,
    docker_build,
    image_holds,
    image_tag,
    run,
    steps_that_ran,
    unique,
)

# The canary images are built once: its tests share one of scripts/test's two workers.
pytestmark = pytest.mark.xdist_group("leaks")

CANARY = unique("KITCANARY")
CREDENTIAL = unique("KITSECRET")
# The index the images install from: this machine's mirror, or PyPI's own index named as one.
MIRROR = os.environ.get("POETRY_PYPI_MIRROR_URL") or "https://pypi.org/simple/"


def plant_canaries(workspace: Path) -> list[str]:
    """What careless trees hold, each carrying the canary in its content (and some in the name)."""
    planted = {
        ".env": f"DATABASE_PASSWORD={CANARY}\n",
        ".env.local": f"API_TOKEN={CANARY}\n",
        ".venv/pyvenv.cfg": f"home = /usr/bin\n# {CANARY}\n",
        f".venv/lib/{CANARY}.py": f"SECRET = '{CANARY}'\n",
        "id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}\n",
        "src/minimal_py_poetry/.env": f"TOKEN={CANARY}\n",
        "src/minimal_py_poetry/server.pem": f"-----BEGIN PRIVATE KEY-----\n{CANARY}\n",
        f"src/minimal_py_poetry/stray_{CANARY}.pyc": f"compiled {CANARY}",
        f"src/minimal_py_poetry/__pycache__/app.{CANARY}.pyc": f"compiled {CANARY}",
    }
    for name, content in planted.items():
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return list(planted)


def history(image: str) -> str:
    return run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image]).stdout


@pytest.fixture(scope="module")
def canary_images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """dev and prod, built from a tree full of canaries, with a canary index credential passed
    as the BuildKit secret `poetry-auth` and an index mirror. The steps that mount the secret are
    forced to run."""
    workspace = copy_repo(tmp_path_factory.mktemp("leaks") / unique("ws"))
    planted = plant_canaries(workspace)
    assert all((workspace / name).exists() for name in planted)
    auth = tmp_path_factory.mktemp("secret") / "auth.toml"
    auth.write_text(f'[http-basic.PyPI]\nusername = "kit"\npassword = "{CREDENTIAL}"\n')
    secret = ["--secret", f"id=poetry-auth,src={auth}"]
    if not os.environ.get("POETRY_PYPI_MIRROR_URL"):
        secret += ["--build-arg", f"POETRY_PYPI_MIRROR_URL={MIRROR}"]
    with ExitStack() as images:
        yield {
            target: images.enter_context(
                built(workspace, target, *secret, "--no-cache-filter", f"venv,{target}")
            )
            for target in ("prod", "dev")
        }


@pytest.mark.parametrize("target", ["prod", "dev"])
def test_no_file_from_the_tree_reaches_an_image(canary_images: dict[str, str], target: str) -> None:
    image = canary_images[target]

    assert not image_holds(image, CANARY), f"the canary is in a layer of {target}"
    assert CANARY not in history(image)


@pytest.mark.parametrize("target", ["prod", "dev"])
def test_the_index_credential_is_in_no_layer_and_not_in_the_history(
    canary_images: dict[str, str], target: str
) -> None:
    image = canary_images[target]

    assert not image_holds(image, CREDENTIAL), f"the credential is in a layer of {target}"
    assert CREDENTIAL not in history(image)


def test_the_mirror_url_is_in_no_layer_of_prod_and_not_in_its_history(
    canary_images: dict[str, str],
) -> None:
    """BuildKit records the build args in scope of each RUN in the image's history: a mirror's
    URL (an internal host name) must not reach an image that is pushed."""
    prod = canary_images["prod"]

    assert not image_holds(prod, MIRROR), "the mirror's URL is in a layer or the config of prod"
    assert MIRROR not in history(prod)


def test_the_scan_does_find_what_an_image_holds(canary_images: dict[str, str]) -> None:
    # A control for the two tests above: the same scan finds the app's own code in prod.
    assert image_holds(canary_images["prod"], "Liveness probe: 200 as long as")


def test_the_build_reads_the_poetry_auth_secret(repo_copy: Path, tmp_path: Path) -> None:
    # Another control: the secret reaches Poetry (an unreadable one stops the build), which
    # installs prod's dependencies where the lock names a private index (PROD_INSTALLER=poetry).
    auth = tmp_path / "auth.toml"
    auth.write_text("this is [not toml\n")

    build = docker_build(
        repo_copy,
        "prod",
        unique("kit-test-auth"),
        "--secret",
        f"id=poetry-auth,src={auth}",
        "--build-arg",
        "PROD_INSTALLER=poetry",
        "--no-cache-filter",
        "venv",
        check=False,
    )

    assert build.returncode != 0
    assert "Invalid TOML file /root/.config/pypoetry/auth.toml" in build.stdout


def a_build_of_its_own(folder: Path) -> str:
    """Build a context no other build has (a step of its own, 20 MB; made on the first call): the
    build's output."""
    if not (folder / "Dockerfile").exists():
        folder.mkdir()
        step = f"RUN head -c 20000000 /dev/urandom > /blob # {unique('step')}"
        (folder / "Dockerfile").write_text(f"FROM {base_image()}\n{step}\n")
    with image_tag() as tag:
        return docker_build(folder, "", tag).stdout


def test_the_cleanup_under_its_bound_keeps_the_last_build_cached(tmp_path: Path) -> None:
    """The end of a run within the bound prunes nothing: the next run's builds come from the
    cache (on this engine any prune would make them cold; kit/core tests the trim past it)."""
    folder = tmp_path / "build"
    a_build_of_its_own(folder)

    build_cache_cleaned(build_cache_bytes() + 1e9)
    again = a_build_of_its_own(folder)

    assert [step for step in steps_that_ran(again) if "RUN head" in step] == [], again
