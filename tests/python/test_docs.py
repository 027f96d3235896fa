"""The Python shown in README.md and docs/python.md works: the README's
import command, and every docs/python.md example that needs no files made
beforehand (those reading out/... are covered by test_open.py)."""

import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

PYTHONPATH = os.environ.get("PYTHONPATH", os.path.join(SOURCE_DIR, "build", "python"))


def readme_commands():
    text = open(os.path.join(SOURCE_DIR, "README.md")).read()
    return [line for line in text.splitlines() if line.startswith("PYTHONPATH=build/python ")]


def docs_examples():
    text = open(os.path.join(SOURCE_DIR, "docs", "python.md")).read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return [b for b in blocks if "out/" not in b]


def test_readme_import_line():
    lines = readme_commands()
    assert lines, "README.md shows how to import simulacra"
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "PYTHONPATH=build/python" and argv[1] == "/usr/bin/python3"
        env = dict(os.environ, PYTHONPATH=PYTHONPATH)
        out = subprocess.run([sys.executable] + argv[2:], cwd=SOURCE_DIR, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "<simulacra.Dataset" in out.stdout


@pytest.mark.parametrize("block", docs_examples())
def test_docs_example(block):
    assert "import simulacra" in block or "simulacra." in block
    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    code = block if "import simulacra" in block else "import simulacra\n" + block
    out = subprocess.run([sys.executable, "-c", code], cwd=SOURCE_DIR, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
