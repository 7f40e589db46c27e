"""``TrainerValidity.vy`` (+ ``FoldVerifier.vy``) with ``Rollup.vy`` in a real EVM.

:class:`ValidityEVM` deploys the fold verifier and the validity contract, then the rollup
with ``validity`` set (``dispute_depth`` 0), and binds them; ``transact`` has the
interface of :class:`mechanism.rollup.trainer_validity.ValidityModel`. ``python -m
mechanism.evm.trainer_validity`` prints the gas of one dispute per predicate.
"""

from __future__ import annotations

from typing import Any

from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.rollup import RollupEVM, call_as_transaction
from mechanism.rollup.params import Event, Receipt, RollupParams
from mechanism.rollup.predicates import ValidityConfig

CONTRACTS = CONTRACTS_DIR
_COMPILED: dict[str, Any] = {}


def _partial(name: str) -> Any:
    import boa

    if name not in _COMPILED:
        _COMPILED[name] = boa.load_partial(str(CONTRACTS / f"{name}.vy"))
    return _COMPILED[name]


def rollup_params(cfg: ValidityConfig, **kw: Any) -> RollupParams:
    """Rollup parameters for a validity resolver: no rollup-side bisection of trainers."""
    return RollupParams(dispute_depth=0, verdict_clock_blocks=cfg.verdict_clock_blocks, arity=cfg.arity, **kw)


def min_verdict_clock_blocks(cfg: ValidityConfig) -> int:
    """Shortest rollup verdict clock ``TrainerValidity.bind`` accepts: the longest game
    (defend_norm, D x (reveal, choose), onestep: 2 D + 2 clocks) plus the block of
    ``settle`` (``ValidityConfig.verdict_clock_blocks`` keeps one block more)."""
    return (2 * cfg.depth + 2) * cfg.clock_blocks + 1


def check_bind(params: RollupParams, cfg: ValidityConfig) -> None:
    """``TrainerValidity.bind``'s checks of the rollup (same order and reasons), for the
    Python mirror: no rollup-side bisection of trainer disputes, and a verdict clock that
    outlasts the longest validity game."""
    from mechanism.rollup.params import RollupRevert

    if params.dispute_depth != 0:
        raise RollupRevert("rollup bisects itself")
    if params.verdict_clock < min_verdict_clock_blocks(cfg):
        raise RollupRevert("verdict clock")


class ValidityEVM:
    """``TrainerValidity.vy`` + ``FoldVerifier.vy`` bound to a ``Rollup.vy``.

    Alone (``rollup`` None) it deploys its own rollup with ``validity`` set; with
    ``rollup="deferred"`` it only prepares: pass :meth:`deploy` as ``deploy_validity`` of a
    :class:`~mechanism.evm.rollup.RollupEVM` built elsewhere (e.g. together with the
    on-chain arbiter, :class:`mechanism.evm.arbiter.ArbiterEVM`) and call
    :meth:`attach` with it."""

    def __init__(self, params: RollupParams | None, cfg: ValidityConfig, rollup: str | None = None) -> None:
        self.cfg = cfg
        self.events: list[Event] = []
        self.gas_spent = 0
        if rollup is None:
            assert params is not None
            self.attach(RollupEVM(params, deploy_validity=self.deploy))

    def deploy(self, env: Any) -> str:
        """Deploy the fold verifier and the validity contract in ``env``; its address."""
        self._deployer = env.generate_address("validity-deployer")
        with env.prank(self._deployer):
            fold = _partial("FoldVerifier").deploy()
            self.contract = _partial("TrainerValidity").deploy(
                fold.address, self.cfg.d, self.cfg.chunk, self.cfg.arity, self.cfg.norm_bound, self.cfg.clock_blocks)
        return str(self.contract.address)

    _deploy = deploy

    def attach(self, rollup: RollupEVM) -> None:
        """Bind the deployed contract to ``rollup`` (deployed with this one as ``validity``);
        raises :class:`RollupRevert` with the contract's reason if ``bind`` refuses it."""
        self.rollup = rollup
        call_as_transaction(rollup.env, self.contract, "bind", (rollup.contract.address,), self._deployer)

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def game(self, did: int) -> dict[str, Any]:
        """The contract's game of dispute ``did`` (fields of ``ValidityModel.game``)."""
        import boa

        with boa.swap_env(self.rollup.env):
            g = self.contract.games(did)
        return {"phase": int(g[0]), "level": int(g[1]), "pos": int(g[2]), "node_h": bytes(g[3]),
                "node_v": int(g[4]), "deadline": int(g[5])}

    def transact(self, sender: str, fn: str, *args: Any) -> Receipt:
        env = self.rollup.env
        _, events, gas, _ = call_as_transaction(env, self.contract, fn, args, sender, include_child_logs=True)
        self.events.extend(events)
        self.rollup.events.extend(e for e in events if e[0] != "Verdict" and e[0] != "Revealed")
        self.gas_spent += gas
        return Receipt(None, events, gas)
