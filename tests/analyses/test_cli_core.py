import json
import subprocess
import sys
import time

import numpy as np
import torch

from analyses.cli import main

ORFL = [sys.executable, "-c", "from analyses.cli import main; main()"]


def run(*args, **kw):
    return subprocess.run([*ORFL, *map(str, args)], capture_output=True, text=True, timeout=300, **kw)


def test_help_is_fast():
    t0 = time.perf_counter()
    r = run("--help")
    assert r.returncode == 0 and "aggregate" in r.stdout
    assert time.perf_counter() - t0 < 3.0  # includes interpreter start; see bench for the 0.5 s goal
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import analyses.cli as c; c._register_commands()"],
                         capture_output=True, text=True, timeout=60).stderr
    for heavy in ("torch", "cvxpy", "mesa", "pandas", "scipy", "boa"):
        assert f" {heavy}\n" not in out and f"| {heavy}\n" not in out, heavy


def test_aggregate_npy_roundtrip(tmp_path):
    x = np.random.default_rng(0).normal(size=(9, 33)).astype(np.float32)
    np.save(tmp_path / "u.npy", x)
    r = run("aggregate", "trimmed_mean", tmp_path / "u.npy", "-o", tmp_path / "o.npy", "--f", "2", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["n"] == 9 and info["d"] == 33 and len(info["sha256"]) == 64
    out = np.load(tmp_path / "o.npy")
    s = np.sort(x, axis=0)[2:7].mean(axis=0)
    assert np.abs(out - s).max() < 1e-5


def test_aggregate_pt_input(tmp_path):
    torch.save(torch.randn(5, 4), tmp_path / "u.pt")
    r = run("aggregate", "median", tmp_path / "u.pt", "-o", tmp_path / "o.pt")
    assert r.returncode == 0, r.stderr
    assert torch.load(tmp_path / "o.pt").shape == (4,)


def test_aggregate_bad_inputs_exit_2_and_write_nothing(tmp_path):
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan], [0.0, 1.0]]))
    np.save(tmp_path / "one_d.npy", np.ones(5))
    np.save(tmp_path / "ok.npy", np.ones((4, 3)))
    cases = [
        (("aggregate", "mean", tmp_path / "missing.npy"), "INPUT"),
        (("aggregate", "mean", tmp_path / "nan.npy"), "non-finite"),
        (("aggregate", "mean", tmp_path / "one_d.npy"), "INPUT.shape"),
        (("aggregate", "krum", tmp_path / "ok.npy", "--f", "1"), "breakdown"),
        (("aggregate", "bogus", tmp_path / "ok.npy"), "RULE"),
    ]
    for args, needle in cases:
        out = tmp_path / "out.npy"
        r = run(*args, "-o", out)
        assert r.returncode == 2, (args, r.stderr)
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
        assert not out.exists()


def test_main_in_process_help(capsys):
    try:
        main(["--help"])
    except SystemExit as e:
        assert e.code == 0
    assert "report" in capsys.readouterr().out


def test_recommend_help_does_not_import_torch():
    # `orfl recommend` itself builds each rule's trace program from the aggregation core for
    # the measured per-rule dispute gas (mechanism.economics.workload), which needs torch;
    # its help must stay instant.
    code = ("import sys\nfrom analyses.cli import main\n"
            "try:\n    main(['recommend', '--help'])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('TORCH' if 'torch' in sys.modules else 'NOTORCH')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stderr.endswith("NOTORCH"), r.stderr[-300:]
