"""``TrainerValidity.vy`` (+ ``FoldVerifier.vy``) with ``Rollup.vy`` in a real EVM.

:class:`ValidityEVM` deploys the fold verifier and the validity contract, then the rollup
with ``validity`` set (``dispute_depth`` 0), and binds them; ``transact`` has the
interface of :class:`mechanism.rollup_validity.ValidityModel`. ``python -m
mechanism.rollup_validity_evm`` prints the gas of one dispute per predicate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mechanism.rollup_evm import RollupEVM, call_as_transaction
from mechanism.rollup_params import Event, Receipt, RollupParams
from mechanism.validity import ValidityConfig

CONTRACTS = Path(__file__).parent / "contracts"
_COMPILED: dict[str, Any] = {}


def _partial(name: str) -> Any:
    import boa

    if name not in _COMPILED:
        _COMPILED[name] = boa.load_partial(str(CONTRACTS / f"{name}.vy"))
    return _COMPILED[name]


def rollup_params(cfg: ValidityConfig, **kw: Any) -> RollupParams:
    """Rollup parameters for a validity resolver: no rollup-side bisection of trainers."""
    return RollupParams(dispute_depth=0, verdict_clock_blocks=cfg.verdict_clock_blocks, arity=cfg.arity, **kw)


class ValidityEVM:
    def __init__(self, params: RollupParams, cfg: ValidityConfig) -> None:
        import boa

        self.cfg = cfg
        self.events: list[Event] = []
        self.gas_spent = 0
        self.rollup = RollupEVM(params, deploy_validity=self._deploy)
        with boa.swap_env(self.rollup.env):
            self.contract.bind(self.rollup.contract.address, sender=self._deployer)

    def _deploy(self, env: Any) -> str:
        self._deployer = env.generate_address("validity-deployer")
        with env.prank(self._deployer):
            fold = _partial("FoldVerifier").deploy()
            self.contract = _partial("TrainerValidity").deploy(
                fold.address, self.cfg.d, self.cfg.chunk, self.cfg.arity, self.cfg.norm_bound, self.cfg.clock_blocks)
        return str(self.contract.address)

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def transact(self, sender: str, fn: str, *args: Any) -> Receipt:
        env = self.rollup.env
        _, events, gas, _ = call_as_transaction(env, self.contract, fn, args, sender, include_child_logs=True)
        self.events.extend(events)
        self.rollup.events.extend(e for e in events if e[0] != "Verdict" and e[0] != "Revealed")
        self.gas_spent += gas
        return Receipt(None, events, gas)
