"""The CLI forms of DESIGN.md §5: help, key creation, ingestion errors, config check."""
import os
import re
import tempfile

import pytest

from conftest import SHOP, run_cli


@pytest.mark.parametrize("cmd", [["serve"], ["ingest"], ["keys", "create"], ["ask"],
                                 ["audit", "verify"], ["config", "check"]])
def test_help(cmd):
    p = run_cli(*cmd, "--help")
    assert p.stdout.startswith("usage: agentgate " + cmd[0])


def test_keys_create_prints_only_the_key():
    d = tempfile.mkdtemp()
    p = run_cli("keys", "create", "--role", "admin", data=d)
    assert re.fullmatch(r"agk_[0-9a-f]{16}_[0-9a-f]{64}\n", p.stdout)
    bad = run_cli("keys", "create", "--role", "root", data=d, check=False)
    assert bad.returncode == 2


def test_ingest_error_names_file_and_line_and_changes_nothing():
    d = tempfile.mkdtemp()
    run_cli("ingest", SHOP, data=d)
    bad = os.path.join(d, "bad.csv")
    with open(bad, "w") as f:
        f.write("sku,name,price_eur\nX-1,Ding,1.00\nX-2,Ding,zwei\n")
    p = run_cli("ingest", SHOP, bad, data=d, check=False)
    assert p.returncode == 1
    assert "bad.csv" in p.stderr and "line 3" in p.stderr
    again = run_cli("ingest", SHOP, data=d)
    assert "0 added, 0 updated, 9 unchanged" in again.stdout


def test_ask_cli_answers_with_citation():
    d = tempfile.mkdtemp()
    run_cli("ingest", SHOP, data=d)
    p = run_cli("ask", "Wie lange dauert der Versand nach Österreich?", data=d)
    assert "3 bis 5 Werktage" in p.stdout and "[1] versand_de.md" in p.stdout


def test_config_check_names_line_and_key():
    d = tempfile.mkdtemp()
    cfg = os.path.join(d, "agentgate.conf")
    with open(cfg, "w") as f:
        f.write("# test\nlisten = 127.0.0.1:9999\nthreads = lots\n")
    p = run_cli("config", "check", "--config", cfg, check=False)
    assert p.returncode == 1
    assert "line 3" in p.stderr and "threads" in p.stderr
    p = run_cli("config", "check", "--config", cfg, check=False,
                env={"AGENTGATE_THREADS": "4"})
    assert p.returncode == 1  # the file is still wrong; env does not hide it
    with open(cfg, "w") as f:
        f.write("listen = 127.0.0.1:9999\n")
    assert run_cli("config", "check", "--config", cfg).stdout == "OK\n"
    p = run_cli("config", "check", check=False, env={"AGENTGATE_TOP_K": "0"})
    assert p.returncode == 1 and "AGENTGATE_TOP_K" in p.stderr
