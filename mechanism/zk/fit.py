"""Prover cost of the one-step and of a whole round, fitted on this toolkit's proofs.

Inputs: the measured proofs of ``benchmarks/zk.py`` (:data:`MEASURED`, read with its
SHA-256 by :func:`load_measurements`). Two fits (docs/cost.md, 'Extrapolating the
prover'):

* **Rows** of the circuit against the work it encodes: ``rows = r_0 + r_cell * n c +
  r_cmp * K(n) c`` with ``K(n)`` the compare-exchanges of the sorting network
  (:func:`mechanism.zk.circuits.batcher_pairs`), fitted by non-negative least squares.
  The circuit is padded to ``2^logrows >= rows`` and never below the lookup tables'
  measured floor (:attr:`ProverFit.min_logrows`).
* **Verification gas** of the generated verifier, measured in py-evm, against the
  number v of public values (inputs and outputs of the step): ``g = g_0 + g_1 v + g_2 v^2``
  by non-negative least squares (each value is 32 calldata bytes and a term of the
  instance evaluation; the quadratic term is the EVM's memory expansion, ``a^2 / 512``
  per ``a`` words, Yellow Paper ``C_mem``).
* **Prover CPU seconds** against the padded size ``N = 2^logrows``: ``log t = a + b log N``
  by ordinary least squares, with the 95% prediction interval of the regression
  (Student t, n - 2 degrees of freedom). A Halo2/KZG prover's work is dominated by FFTs
  and multi-scalar multiplications of size N, ``O(N log N)`` (Bowe, Grigg, Hopwood,
  "Halo", 2019; the halo2 book, 'Proving system'), so b is expected slightly above 1.
  With one measured size only, b is fixed to 1 and the interval is the spread of the
  repeated measurements (stated in :attr:`ProverFit.method`).

A circuit whose prover would need more than :data:`MEMORY_BUDGET_MB` (peak resident
memory fitted the same way, ``log m = a_m + b_m log N``: :attr:`ProverFit.max_logrows`)
does not fit one proof; a round is then split into proofs of at most that size, whose cost is additive; combining them into one
on-chain proof (recursion/aggregation) is **not** measured and not included, so the
extrapolated cost of a whole round is a lower bound.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mechanism.errors import ParameterError
from mechanism.measured import read_measured
from mechanism.zk.circuits import OneStepCircuit

#: The measured proofs (written by ``benchmarks/zk.py``; a ``.sha256`` lies beside it).
MEASURED = Path(__file__).with_name("measured_proofs.json")
#: Memory one proof may use in the extrapolation, MB: 16 GiB of this machine's 24 GiB.
MEMORY_BUDGET_MB = 16 * 1024
#: Largest circuit one proof covers when the memory fit is unavailable (one measured size).
MAX_PROOF_LOGROWS = 20


@dataclass(frozen=True)
class Measurements:
    rows: tuple[dict[str, Any], ...]
    path: str
    sha256: str
    backend: str

    @property
    def source(self) -> str:
        return f"measured: {self.path} sha256 {self.sha256}"


def load_measurements(path: Path | str = MEASURED) -> Measurements | None:
    """The measured proofs, or None when the file does not exist."""
    p = Path(path)
    if not p.exists():
        return None
    raw, digest = read_measured(p, "measurements", "python benchmarks/zk.py")
    doc = json.loads(raw)
    rows = tuple(r for r in doc["rows"] if r.get("verified") and r.get("exact"))
    return Measurements(rows=rows, path=str(p), sha256=digest,
                        backend=str(doc.get("backend", "")))


@dataclass(frozen=True)
class Prediction:
    """An extrapolated prover cost with its 95% interval."""

    rows: float
    logrows: int
    proofs: int  # proofs of at most 2^MAX_PROOF_LOGROWS rows
    cpu_seconds: float
    cpu_seconds_low: float
    cpu_seconds_high: float
    pk_bytes: float  # proving key of one proof


@dataclass(frozen=True)
class ProverFit:
    """The two fits (rows, time) and what they rest on."""

    row_coefficients: tuple[float, float, float]  # r_0, r_cell, r_cmp
    intercept: float  # a (log seconds)
    exponent: float  # b
    residual_sd: float  # of log t
    t_quantile: float  # Student t 97.5% at the fit's degrees of freedom
    x_mean: float
    sxx: float
    points: int
    min_logrows: int
    pk_bytes_per_row: float
    rss_intercept: float  # log MB
    rss_exponent: float
    method: str
    source: str
    verify_gas_base: float  # gas of one verifyProof transaction: base + per_instance v + quadratic v^2
    verify_gas_per_instance: float
    verify_gas_quadratic: float
    verify_tx_gas_range: tuple[float, float]
    proof_bytes: int
    data: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    @property
    def max_logrows(self) -> int:
        """The largest 2^logrows whose fitted peak memory stays within :data:`MEMORY_BUDGET_MB`."""
        if not self.rss_exponent > 0:
            return MAX_PROOF_LOGROWS
        x = (math.log(MEMORY_BUDGET_MB) - self.rss_intercept) / self.rss_exponent
        return max(self.min_logrows, math.floor(x / math.log(2.0)))

    def peak_rss_mb(self, logrows: int) -> float:
        return math.exp(self.rss_intercept + self.rss_exponent * logrows * math.log(2.0))

    def verify_gas(self, public_values: float) -> float:
        """Gas of one ``verifyProof`` transaction with ``public_values`` public inputs
        (fitted: each public value is 32 bytes of calldata and a term of the instance
        polynomial's evaluation)."""
        v = public_values
        return self.verify_gas_base + self.verify_gas_per_instance * v + self.verify_gas_quadratic * v * v

    def rows_for(self, rule: str, n_trainers: int, coordinates: float) -> float:
        """Circuit rows of the one-step of ``rule`` over n x ``coordinates`` values."""
        c = OneStepCircuit(rule, n_trainers, 1)
        r0, rc, rk = self.row_coefficients
        return r0 + rc * n_trainers * coordinates + rk * c.comparators * coordinates

    def _predict_log(self, logrows: int) -> tuple[float, float]:
        x = logrows * math.log(2.0)
        y = self.intercept + self.exponent * x
        if self.sxx > 0 and self.points > 2:
            se = self.residual_sd * math.sqrt(1 + 1 / self.points + (x - self.x_mean) ** 2 / self.sxx)
        else:
            se = self.residual_sd
        return y, self.t_quantile * se

    def predict(self, rule: str, n_trainers: int, coordinates: float) -> Prediction:
        """Prover CPU seconds of proving ``rule`` over n x ``coordinates`` values."""
        if coordinates < 1:
            raise ParameterError.bad("coordinates", coordinates, "a number >= 1")
        rows = self.rows_for(rule, n_trainers, coordinates)
        logrows = max(self.min_logrows, math.ceil(math.log2(max(rows, 1.0))))
        proofs = 1
        if logrows > self.max_logrows:
            proofs = math.ceil(rows / 2**self.max_logrows)
            logrows = self.max_logrows
        y, half = self._predict_log(logrows)
        return Prediction(rows=rows, logrows=logrows, proofs=proofs, cpu_seconds=proofs * math.exp(y),
                          cpu_seconds_low=proofs * math.exp(y - half), cpu_seconds_high=proofs * math.exp(y + half),
                          pk_bytes=self.pk_bytes_per_row * 2**logrows)


def public_values(row: dict[str, Any]) -> int:
    """Public inputs of a measured one-step proof: its n x c inputs and c outputs."""
    return int(row["n_trainers"] * row["chunk_coordinates"] + row["chunk_coordinates"])


def fit(m: Measurements) -> ProverFit:
    """Fit rows and prover time on the measured proofs (module docstring)."""
    from scipy.optimize import nnls
    from scipy.stats import t as student_t

    if not m.rows:
        raise ParameterError.bad("measurements", m.path, "at least one verified, exact proof")
    rows = list(m.rows)
    feats = np.array([[1.0, r["n_trainers"] * r["chunk_coordinates"], r["comparators"] * r["chunk_coordinates"]]
                      for r in rows])
    target = np.array([float(r["num_rows"]) for r in rows])
    coef, _ = nnls(feats, target)
    x = np.array([r["logrows"] * math.log(2.0) for r in rows])
    y = np.log(np.array([float(r["prove_cpu_seconds"]) for r in rows]))
    distinct = len(set(r["logrows"] for r in rows))
    if distinct >= 2 and len(rows) >= 3:
        b, a = np.polyfit(x, y, 1)
        resid = y - (a + b * x)
        dof = len(rows) - 2
        sd = float(np.sqrt(np.sum(resid**2) / dof))
        method = f"OLS of log t on log 2^logrows over {len(rows)} proofs at {distinct} sizes"
    else:
        b = 1.0
        a = float(np.mean(y - x))
        dof = max(len(rows) - 1, 1)
        sd = float(np.std(y - x, ddof=1)) if len(rows) > 1 else math.log(2.0)
        method = f"exponent fixed to 1 (one measured size, {len(rows)} proofs): interval from their spread"
    tq = float(student_t.ppf(0.975, dof))
    mem = np.log(np.array([float(r.get("peak_rss_mb", 0.0)) or 1.0 for r in rows]))
    if distinct >= 2:
        rb, ra = np.polyfit(x, mem, 1)
    else:
        rb, ra = 0.0, float(mem.mean())
    evm = [r for r in rows if r.get("evm_accepted") and r.get("evm_rejects_tampered")]
    gas = [float(r["evm_tx_gas"]) for r in evm]
    inst = [float(public_values(r)) for r in evm]
    g0, g1, g2 = (float(np.mean(gas)) if gas else math.nan), 0.0, 0.0
    if len(set(inst)) >= 3:
        v = np.array(inst)
        (g0, g1, g2), _ = nnls(np.column_stack([np.ones_like(v), v, v * v]), np.array(gas))
    elif len(set(inst)) == 2:
        g1, g0 = np.polyfit(inst, gas, 1)
    return ProverFit(
        row_coefficients=(float(coef[0]), float(coef[1]), float(coef[2])), intercept=float(a), exponent=float(b),
        residual_sd=sd, t_quantile=tq, x_mean=float(x.mean()), sxx=float(np.sum((x - x.mean()) ** 2)),
        points=len(rows), min_logrows=min(int(r["logrows"]) for r in rows),
        pk_bytes_per_row=float(np.mean([r["pk_bytes"] / 2 ** r["logrows"] for r in rows])),
        rss_intercept=float(ra), rss_exponent=float(rb), method=method,
        source=m.source, verify_gas_base=float(g0), verify_gas_per_instance=float(g1),
        verify_gas_quadratic=float(g2),
        verify_tx_gas_range=(min(gas), max(gas)) if gas else (math.nan, math.nan),
        proof_bytes=int(max(r["proof_bytes"] for r in rows)), data=tuple(rows))
