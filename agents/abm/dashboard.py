"""The live dashboard of the ABM: a Mesa ``SolaraViz`` page over :class:`RollupModel`.

Sliders set the sequencer bond, the challenge period, the reward share, the fraction of
censoring block proposers and the number of challengers (the rest of the configuration
is :class:`~agents.abm.config.ABMConfig`'s defaults, i.e. ``Design()``); *Reset* builds a
new model from them. Each step of the page advances one round's worth of L1 blocks
(:func:`epoch_blocks`) event to event and records one row: the running fraud rate
(assertions that were frauds), the rate of frauds that finalised, the verification rate
(verifications per assertion and challenger), and each party's balance (profit, ETH; the
accounting of :meth:`RollupModel.profit_of`). The rates are the ones
:meth:`RollupModel.summary` reports, so the page shows the sweep's quantities live.

Served by ``orfl dashboard`` (``solara run agents.abm.dashboard``); ``page`` is the
Solara component, built when the Solara server loads the module (elsewhere
:func:`make_page` builds it), so the model and its series import without Mesa's
visualization extra (``solara``, ``altair``), which only the page needs.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import mesa

from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel

DEFAULTS = ABMConfig()


def epoch_blocks(cfg: ABMConfig) -> int:
    """Blocks per dashboard step: one round (``round_blocks``) or one challenge period,
    whichever is longer, so nearly every step finalises or disputes an assertion."""
    return max(cfg.round_blocks, cfg.challenge_period_blocks)


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


#: The dashboard's series, computed like :meth:`RollupModel.summary` (running totals).
REPORTERS: dict[str, Any] = {
    "block": lambda m: m.block,
    "fraud_rate": lambda m: _ratio(m.frauds_attempted, m.assertions),
    "fraud_finalised_rate": lambda m: _ratio(m.frauds_finalized, m.assertions),
    "verify_rate": lambda m: _ratio(m.verifications, m.assertions * m.cfg.challengers),
    "sequencer_eth": lambda m: m.sequencer.profit_eth,
    "challengers_eth": lambda m: sum(c.profit_eth for c in m.challengers),
    "trainers_eth": lambda m: sum(t.profit_eth for t in m.trainers),
    "adversary_eth": lambda m: m.adversary.profit_eth,
}


class DashboardModel(RollupModel):
    """:class:`RollupModel` with the five slider parameters as keyword arguments (Mesa's
    page rebuilds the model from them) and one data row per step of ``epoch_blocks``."""

    def __init__(self, sequencer_bond_eth: float = DEFAULTS.sequencer_bond_eth,
                 challenge_period_blocks: int = DEFAULTS.challenge_period_blocks,
                 reward_share: float = DEFAULTS.reward_share,
                 censor_fraction: float = DEFAULTS.censor_fraction,
                 challengers: int = DEFAULTS.challengers, seed: int = DEFAULTS.seed) -> None:
        cfg = DEFAULTS.replace(sequencer_bond_eth=float(sequencer_bond_eth),
                               challenge_period_blocks=int(challenge_period_blocks),
                               reward_share=float(reward_share), censor_fraction=float(censor_fraction),
                               challengers=int(challengers), seed=int(seed))
        super().__init__(cfg, collect=False)
        self.epoch_blocks = epoch_blocks(cfg)
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.datacollector.collect(self)

    def step(self) -> None:
        """One epoch of L1 blocks, then one data row."""
        self.run(self.epoch_blocks)
        self.datacollector.collect(self)


def model_params() -> dict[str, Any]:
    """The sliders (Mesa ``Slider``: label, default, min, max, step); defaults are Design()'s."""
    from mesa.visualization.user_param import Slider

    return {
        "sequencer_bond_eth": Slider("Sequencer bond (ETH)", DEFAULTS.sequencer_bond_eth, 0.5, 50.0, 0.5),
        "challenge_period_blocks": Slider("Challenge period (12 s blocks)", DEFAULTS.challenge_period_blocks,
                                          20, 2000, 10),
        "reward_share": Slider("Reward share of a slashed bond", DEFAULTS.reward_share, 0.0, 1.0, 0.05),
        "censor_fraction": Slider("Censoring proposers q", DEFAULTS.censor_fraction, 0.0, 0.9, 0.05),
        "challengers": Slider("Challengers", DEFAULTS.challengers, 1, 20, 1),
        "seed": DEFAULTS.seed,
    }


#: The slider parameters, in the order the page shows them.
SLIDERS = ("sequencer_bond_eth", "challenge_period_blocks", "reward_share", "censor_fraction", "challengers")


def summary_text(model: DashboardModel) -> str:
    """The run so far in one line (Markdown), from the model's counters."""
    return (f"**Block {model.block:,}** · assertions {model.assertions:,} · frauds attempted "
            f"{model.frauds_attempted:,} · caught {model.frauds_caught:,} · finalised {model.frauds_finalized:,} · "
            f"disputes {model.disputes:,} · equilibrium fraud probability {model.equilibrium.fraud_prob:.3f}, "
            f"verification probability {model.equilibrium.verify_prob:.3f}")


def _label(title: str, ylabel: str) -> Any:
    def post(ax: Any) -> None:
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize="small")

    return post


def components() -> list[Any]:
    """The page's panels: the summary line and the two live plots."""
    import solara
    from mesa.visualization import make_plot_component

    def summary_card(model: DashboardModel) -> Any:
        return solara.Markdown(summary_text(model))

    return [
        (summary_card, 0),
        make_plot_component({"fraud_rate": "tab:red", "fraud_finalised_rate": "tab:purple",
                             "verify_rate": "tab:blue"},
                            post_process=_label("Fraud and verification rates", "share of assertions")),
        make_plot_component({"sequencer_eth": "tab:red", "challengers_eth": "tab:blue", "trainers_eth": "tab:green",
                             "adversary_eth": "tab:gray"},
                            post_process=_label("Balances (profit)", "ETH")),
    ]


def make_page(model: DashboardModel | None = None) -> Any:
    """The SolaraViz page for ``model`` (default: the sliders' defaults)."""
    from mesa.visualization import SolaraViz

    return SolaraViz(model or DashboardModel(), components=components(), model_params=model_params(),
                     name="orfl: rollup ABM")


if "solara.server" in sys.modules:  # loaded by the Solara server (orfl dashboard): its entry point
    page = make_page()
