"""Report section: the verifier's dilemma and what its remedies cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from analyses.report import Figure, ReportContext, SectionResults, Verdict
from analyses.style import colors, new_figure, save_figure

TITLE = "Verifier's dilemma"
#: QRE has converged to Nash if both probabilities at the largest precision are this close.
QRE_TOL = 1e-3
#: (p, v) counts as the pure equilibrium (0, 1) within this distance.
PURE_TOL = 1e-9


@dataclass(frozen=True)
class VerifierDilemmaResults(SectionResults):
    """Equilibria of the inspection game against reward share, jackpot rate and QRE precision."""

    challengers: int
    bond_eth: float
    gain_eth: float
    dispute_cost_eth: float
    verify_cost_eth: float
    jackpot_eth: float
    alphas: Any  # array: reward shares
    eq_alpha: list[Any]  # mixed equilibrium per reward share
    phis: Any  # array: jackpot rates
    eq_jackpot: list[Any]  # mixed equilibrium per jackpot rate
    lambdas: Any  # array: logit precisions
    qre: list[Any]  # logit QRE per precision
    nash: Any  # mixed equilibrium of the reference game
    pure_equilibria: int
    jackpot_rate_needed: float
    remedy_costs: Any  # DataFrame

    @property
    def no_pure_equilibrium(self) -> Verdict:
        return Verdict("inspection game: no pure equilibrium without outside rewards (Mamageishvili & Felten 2023)",
                       self.pure_equilibria == 0, f"{self.pure_equilibria} pure equilibria found")

    @property
    def qre_gap(self) -> float:
        q = self.qre[-1]
        return float(max(abs(q.fraud_prob - self.nash.fraud_prob), abs(q.verify_prob - self.nash.verify_prob)))

    @property
    def qre_converges(self) -> Verdict:
        return Verdict("logit QRE converges to the mixed Nash equilibrium", self.qre_gap <= QRE_TOL,
                       f"largest |QRE - Nash| at lambda = {float(self.lambdas[-1]):,.0f}/ETH: {self.qre_gap:.2g} "
                       f"(tolerance {QRE_TOL:g})")

    @property
    def jackpot_threshold(self) -> float:
        """phi at which ``phi J = m c_v``."""
        return self.challengers * self.verify_cost_eth / self.jackpot_eth

    @property
    def jackpot_points(self) -> list[Any]:
        """Equilibria of the jackpot grid past the threshold."""
        return [e for p, e in zip(self.phis, self.eq_jackpot, strict=True) if p >= self.jackpot_threshold]

    @property
    def jackpot_pure(self) -> Verdict:
        pts = self.jackpot_points
        ok = bool(pts) and all(e.fraud_prob <= PURE_TOL and e.verify_prob >= 1 - PURE_TOL for e in pts)
        worst = max((max(e.fraud_prob, 1 - e.verify_prob) for e in pts), default=float("nan"))
        return Verdict("forced errors: past phi J >= m c_v, (p, v) = (0, 1) is the equilibrium", ok,
                       f"{len(pts)} grid point(s) past phi = {self.jackpot_threshold:.3g}; largest distance from "
                       f"(0, 1): {worst:.2g}")

    @property
    def fraud_min_alpha(self) -> float:
        """Reward share at which the equilibrium fraud probability is smallest on the grid."""
        return float(self.alphas[int(np.argmin([e.fraud_prob for e in self.eq_alpha]))])

    @property
    def fraud_falls_with_alpha(self) -> bool:
        p = np.array([e.fraud_prob for e in self.eq_alpha])
        return bool(np.all(np.diff(p) <= 0))

    def verdicts(self) -> list[Verdict]:
        return [self.no_pure_equilibrium, self.qre_converges, self.jackpot_pure]

    def tables(self) -> dict[str, Any]:
        return {"remedy_costs": self.remedy_costs}

    def numbers(self) -> dict[str, Any]:
        return {"pureEquilibria": self.pure_equilibria, "mixedFraudProb": self.nash.fraud_prob,
                "jackpotRateNeeded": self.jackpot_rate_needed}

    def params(self) -> dict[str, Any]:
        return {"challengers": self.challengers, "bond_eth": self.bond_eth, "gain_eth": self.gain_eth,
                "dispute_cost_eth": self.dispute_cost_eth, "verify_cost_eth": self.verify_cost_eth}


def run(ctx: ReportContext) -> VerifierDilemmaResults:
    import pandas as pd

    from mechanism.economics import inspection as ins
    from mechanism.economics import remedies

    n = 25 if ctx.quick else 100
    m, bond, gain, cd, cv = 10, 2.0, 50.0, 0.15, 0.001
    base = dict(gain_eth=gain, dispute_cost_eth=cd, verify_cost_eth=cv, challengers=m, censor_prob=0.0)
    alphas = np.linspace(0.1, 0.95, n)
    eq_a = [ins.mixed_equilibrium(ins.InspectionGame(penalty_eth=(1 - a) * bond, reward_eth=a * bond, **base)) for a in alphas]
    jackpot = 0.1
    phis = np.geomspace(1e-5, 1e-1, n)
    eq_j = [ins.mixed_equilibrium(ins.InspectionGame(penalty_eth=0.5 * bond, reward_eth=0.5 * bond, jackpot_rate=p,
                                                     jackpot_net_eth=jackpot, **base)) for p in phis]
    game = ins.InspectionGame(penalty_eth=bond, reward_eth=0.5 * bond, **base)
    lams = np.geomspace(1, 1e5, 12 if ctx.quick else 30)
    qre = [ins.logit_qre(game, lam) for lam in lams]
    nash = ins.mixed_equilibrium(game)
    pure = ins.pure_equilibria(game)
    phi_need = float(remedies.min_jackpot_rate(cv, jackpot, 0.0, 0.0, 1.0, m))
    psi = float(remedies.attention_challenge_rate(cv, 1.0))
    costs = pd.DataFrame({
        "remedy": ["none (mixed equilibrium)", "forced errors + jackpot (TrueBit)", "attention challenges (M&F 2023)"],
        "fraud probability": [nash.fraud_prob, 0.0, 0.0],
        "cost per assertion [ETH]": [0.0, phi_need * jackpot,
                                      float(remedies.attention_cost_per_assertion_eth(m, psi, 50_000, 10.0))],
        "setting": ["-", f"phi = {phi_need:.3g}, J = {jackpot} ETH", f"psi = {psi:.3g}, penalty 1 ETH, 50k gas at 10 gwei"],
    })
    return VerifierDilemmaResults(
        challengers=m, bond_eth=bond, gain_eth=gain, dispute_cost_eth=cd, verify_cost_eth=cv, jackpot_eth=jackpot,
        alphas=alphas, eq_alpha=eq_a, phis=phis, eq_jackpot=eq_j, lambdas=lams, qre=qre, nash=nash,
        pure_equilibria=len(pure), jackpot_rate_needed=phi_need, remedy_costs=costs,
    )


def plot(results: VerifierDilemmaResults, ctx: ReportContext) -> list[Figure]:
    r = results
    fig, (ax1, ax2) = new_figure(ncols=2)
    c = colors(3)
    ax1.semilogy(r.alphas, [e.fraud_prob for e in r.eq_alpha], color=c[0], label="fraud p*")
    ax1.semilogy(r.alphas, [e.verify_prob for e in r.eq_alpha], color=c[1], label="verify v*")
    ax1.semilogy(r.alphas, [max(e.finalised_fraud_prob, 1e-12) for e in r.eq_alpha], color=c[2], label="p* P_s")
    ax1.set_xlabel("reward share alpha [1]")
    ax1.set_ylabel("probability [1]")
    ax1.legend(fontsize=7)
    ax2.loglog(r.phis, [max(e.fraud_prob, 1e-12) for e in r.eq_jackpot], color=c[0], label="fraud p*")
    ax2.loglog(r.phis, [e.verify_prob for e in r.eq_jackpot], color=c[1], label="verify v*")
    ax2.axvline(r.challengers * r.verify_cost_eth / r.jackpot_eth, ls="--", color="k", lw=1, label="phi J = m c_v")
    ax2.set_xlabel("forced-error (jackpot) rate phi [1/assertion]")
    ax2.set_ylabel("probability [1]")
    ax2.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "dilemma_equilibria")

    fig, ax = new_figure()
    ax.semilogx(r.lambdas, [e.fraud_prob for e in r.qre], color=c[0], label="QRE fraud p")
    ax.semilogx(r.lambdas, [e.verify_prob for e in r.qre], color=c[1], label="QRE verify v")
    ax.axhline(r.nash.fraud_prob, ls="--", color=c[0], lw=1, label="Nash p*")
    ax.axhline(r.nash.verify_prob, ls="--", color=c[1], lw=1, label="Nash v*")
    ax.set_xlabel("logit precision lambda [1/ETH]")
    ax.set_ylabel("probability [1]")
    ax.legend(fontsize=7)
    save_figure(fig, ctx.figures_dir, "dilemma_qre")
    return [("dilemma_equilibria", "Equilibrium fraud and verification probabilities against the reward share (left) and the jackpot rate (right)."),
            ("dilemma_qre", "Logit quantal-response equilibrium against precision, converging to the mixed Nash equilibrium.")]


def text(results: VerifierDilemmaResults) -> str:
    r = results
    pure = r.no_pure_equilibrium.said("as Mamageishvili & Felten 2023 find without outside rewards",
                                      "**unlike** Mamageishvili & Felten 2023, who find none without outside rewards")
    falls = ("p* falls as the reward alpha B_s grows over the whole grid (left)" if r.fraud_falls_with_alpha else
             f"p* falls as the reward alpha B_s grows up to alpha = {r.fraud_min_alpha:.2f} and rises slightly beyond "
             "(left)")
    jackpot = r.jackpot_pure.said(
        "(p, v) = (0, 1) is the pure equilibrium (right",
        "**(p, v) does not reach (0, 1)** on the grid (right")
    qre = r.qre_converges.said("converges to", "**does not converge** to")
    return f"""
With m = {r.challengers} challengers, verification cost c_v = {r.verify_cost_eth} ETH, dispute cost {r.dispute_cost_eth} ETH and a {r.bond_eth} ETH bond, the game
has **{r.pure_equilibria} pure equilibria** ({pure}) and a mixed
equilibrium with fraud probability p* = {r.nash.fraud_prob:.3g}: {falls}, and the verification rate v* is set by the
*sequencer's* indifference, not by the reward. Forced errors (TrueBit) give verifiers income without fraud: past
``phi J >= m c_v`` (dashed, phi = {r.jackpot_threshold:.3g}), {jackpot}; {r.jackpot_pure.detail}). Logit QRE {qre} the Nash
equilibrium as precision grows ({r.qre_converges.detail}). The table prices the two remedies; the design uses
jackpots because their cost is explicit in the LP.
"""
