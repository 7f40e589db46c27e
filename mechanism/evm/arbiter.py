"""``Rollup.vy`` + ``Arbiter.vy`` + ``DisputeGame.vy`` in one titanoboa environment.

:class:`ArbiterEVM` deploys a ``DisputeGame.vy`` blueprint, the arbiter, and the rollup
with the arbiter's address (``assertion_depth`` 0), then binds the arbiter to the rollup.
Every call is its own transaction (:func:`mechanism.evm.tx.begin_transaction`);
gas = 21,000 + calldata (EIP-2028) + execution - min(refund, gas // 5), as the EVM
charges. Game moves are planned by the parties on a Python shadow game
(:class:`mechanism.dispute.game.DisputeGame`) and sent to the game contract; the
contract must accept every move the Python game accepted (else :class:`DisputeError`),
and its winner is what ``settle`` forwards to ``Rollup.resolve``.

``python -m mechanism.evm.arbiter --calibrate`` prints
:data:`mechanism.rollup.arbiter.ARBITER_GAS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mechanism.dispute.game import RULE_IDS, DisputeGame
from mechanism.errors import DisputeError
from mechanism.evm import CONTRACTS_DIR
from mechanism.evm.dispute_game import onestep_args
from mechanism.evm.rollup import RollupEVM, call_as_transaction
from mechanism.evm.trainer_validity import ValidityEVM
from mechanism.rollup.arbiter import ArbiterBase, GameConfig
from mechanism.rollup.params import Event, Receipt, RollupParams, RollupRevert
from mechanism.rollup.predicates import ValidityConfig

ARBITER_PATH = CONTRACTS_DIR / "Arbiter.vy"
GAME_PATH = CONTRACTS_DIR / "DisputeGame.vy"
_COMPILED: dict[str, Any] = {}


def _partial(path: Path) -> Any:
    import boa

    if str(path) not in _COMPILED:
        _COMPILED[str(path)] = boa.load_partial(str(path))
    return _COMPILED[str(path)]


class ArbiterEVM(ArbiterBase):
    """The contracts; ``rollup`` is a :class:`~mechanism.evm.rollup.RollupEVM`."""

    def __init__(self, params: RollupParams, cfg: GameConfig, validity: ValidityConfig | None = None,
                 with_validity: bool = True) -> None:
        """``validity``: the ``TrainerValidity.vy`` deployed as the resolver of trainer
        disputes (default :meth:`GameConfig.validity_config`; the rollup then needs
        ``dispute_depth`` 0); it is :attr:`validity`. ``with_validity=False`` deploys
        none -- a configuration ``Arbiter.bind`` refuses (raises :class:`RollupRevert`)."""
        super().__init__(cfg)
        self.contract: Any = None
        self._deployer: Any = None
        self.last_exec_gas = 0
        self.exec_gas_of: dict[str, int] = {}  # last execution gas per arbiter function
        self.validity: ValidityEVM | None = None
        if with_validity:
            self.validity = ValidityEVM(None, validity or cfg.validity_config(), rollup="deferred")
        self.rollup = RollupEVM(params, deploy_arbiter=self._deploy,
                                deploy_validity=None if self.validity is None else self.validity.deploy)
        self.address = self.rollup.arbiter
        self._game_contracts: dict[int, Any] = {}
        self._children: dict[int, list[bytes]] = {}
        deployer: Any = self._deployer
        call_as_transaction(self.rollup.env, self.contract, "bind", (self.rollup.contract.address,), deployer)
        if self.validity is not None:
            self.validity.attach(self.rollup)

    def _deploy(self, env: Any) -> str:
        self._deployer = env.generate_address("arbiter-deployer")
        with env.prank(self._deployer):
            blueprint = _partial(GAME_PATH).deploy_as_blueprint()
            c = self.cfg
            self.contract = _partial(ARBITER_PATH).deploy(
                blueprint.address, c.dim, c.chunk, c.arity, c.depth, RULE_IDS[c.rule], c.trim_bps, c.clock_blocks)
        return str(self.contract.address)

    def _call(self, contract: Any, sender: str, fn: str, *args: Any) -> tuple[Any, list[Event], int]:
        """One transaction; returns (value, decoded events of every contract, gas)."""
        ret, events, gas, self.last_exec_gas = call_as_transaction(
            self.rollup.env, contract, fn, args, sender, strict=False)
        self.gas_spent += gas
        self.events.extend(events)
        return ret, events, gas

    def transact(self, sender: str, fn: str, *args: Any) -> Receipt:
        """``open_game(did, input_roots, cols_root)`` or ``settle(did)`` on the contract."""
        if fn == "open_game":
            did, roots, cols_root = args
            addr, events, gas = self._call(self.contract, sender, "open_game", did, list(roots), cols_root)
            self.exec_gas_of["open_game"] = self.last_exec_gas
            import boa

            with boa.swap_env(self.rollup.env):
                self._game_contracts[did] = _partial(GAME_PATH).at(addr)
            d = self.rollup.dispute(did)
            a = self.rollup.assertion(d["subject"])
            self._new_game(did, list(roots), cols_root, a["output_root"], self.rollup.block)
            return Receipt(self.games[did], events, gas)
        did = args[0]
        _, events, gas = self._call(self.contract, sender, "settle", did)
        self.exec_gas_of["settle"] = self.last_exec_gas
        g = self.games.get(did)
        if g is not None and g.winner is None:
            g.timeout(self.rollup.block)
        return Receipt(None, events, gas)

    def _game_tx(self, did: int, g: DisputeGame, name: str, args: tuple[Any, ...]) -> Receipt:
        c = self._game_contracts[did]
        who = self.rollup.dispute(did)["defender" if name in ("reveal", "reveal_column") else "challenger"]
        call: tuple[Any, ...]
        if name == "challenge":
            fn, call = "challenge", (args[0],)
        elif name == "reveal":
            self._children[did] = list(args[0])
            fn, call = "reveal", (list(args[0]),)
        elif name == "choose":
            fn, call = "choose", (args[0], self._children[did])
        elif name == "reveal_column":
            self._children[did] = list(args[0])
            fn, call = "reveal_column", (list(args[0]),)
        elif name == "onestep" and args[0].column is not None:
            w = args[0].column
            fn, call = "onestep_column", (w.t, self._children[did], w.leaf, w.opening.flat())
        elif name == "onestep":
            fn, call = "onestep", onestep_args(g, args[0])
        else:
            raise DisputeError(f"move {name!r} has no on-chain counterpart")
        try:
            _, events, gas = self._call(c, who, fn, *call)
        except RollupRevert as exc:
            raise DisputeError(f"the EVM game rejected move {name} that the Python game accepted: {exc}") from exc
        self.game_gas += gas
        return Receipt(None, events, gas)

    def game_winner(self, did: int) -> str:
        """'proposer', 'challenger' or 'none' as the game contract records it."""
        import boa

        c = self._game_contracts[did]
        with boa.swap_env(self.rollup.env):
            w = str(c.winner())
        d = self.rollup.dispute(did)
        return "proposer" if w == d["defender"] else ("challenger" if w == d["challenger"] else "none")


class PairedArbiter:
    """One protocol on both backends in lockstep: the Python rollup + :class:`ArbiterModel`
    and the three contracts in the EVM (differential tests and calibration)."""

    def __init__(self, params: RollupParams, cfg: GameConfig) -> None:
        from mechanism.evm.trainer_validity import check_bind
        from mechanism.rollup.arbiter import ArbiterModel
        from mechanism.rollup.state import RollupState
        from mechanism.rollup.trainer_validity import ValidityModel

        self.evm = ArbiterEVM(params, cfg)
        assert self.evm.validity is not None
        self.sim_rollup = RollupState(params, arbiter=self.evm.address, block=self.evm.rollup.block,
                                      validity=self.evm.validity.address)
        self.sim = ArbiterModel(self.sim_rollup, cfg)
        check_bind(params, self.evm.validity.cfg)  # TrainerValidity.bind's checks, on the mirror
        self.sim_validity = ValidityModel(self.sim_rollup, self.evm.validity.cfg, address=self.evm.validity.address)

    def new_account(self, wei: int) -> str:
        addr = self.evm.rollup.new_account(wei)
        self.sim_rollup.wallets_wei[addr] = wei
        return addr

    def advance(self, blocks: int) -> None:
        self.evm.rollup.block = self.evm.rollup.block + blocks
        self.sim_rollup.block = self.evm.rollup.block

    def rollup_tx(self, sender: str, fn: str, *args: Any, value_wei: int = 0) -> tuple[Receipt, Receipt]:
        a = self.sim_rollup.transact(sender, fn, *args, value_wei=value_wei)
        return a, self.evm.rollup.transact(sender, fn, *args, value_wei=value_wei)

    def arbiter_tx(self, sender: str, fn: str, *args: Any) -> tuple[Receipt | RollupRevert, Receipt | RollupRevert]:
        out: list[Receipt | RollupRevert] = []
        for impl in (self.sim, self.evm):
            try:
                out.append(impl.transact(sender, fn, *args))
            except RollupRevert as exc:
                out.append(exc)
        return out[0], out[1]

    def validity_tx(self, sender: str, fn: str, *args: Any) -> tuple[Receipt, Receipt]:
        """One transaction to the trainer-validity contract on both backends."""
        assert self.evm.validity is not None
        return self.sim_validity.transact(sender, fn, *args), self.evm.validity.transact(sender, fn, *args)

    def act(self, did: int, sim_party: Any, evm_party: Any) -> tuple[list[Receipt], list[Receipt]]:
        """The same party (two copies with equal seeds) moves on both backends."""
        block = self.sim_rollup.block
        return self.sim.act(did, sim_party, block), self.evm.act(did, evm_party, block)

    @property
    def gas(self) -> tuple[int, int]:
        return self.sim.gas_spent + self.sim_rollup.gas_spent, self.evm.gas_spent + self.evm.rollup.gas_spent


def publish_round(pr: PairedArbiter, roots: list[bytes], invalid: int = 0) -> list[str]:
    """Fresh trainers register and publish ``roots`` for the next round on both backends,
    in this order; ``invalid`` more trainers first publish an update with a value out of
    range and lose a trainer dispute (``TrainerValidity.prove_range``) before the
    assertion, so they are published but no input. Then the chain waits out the round's
    publication window. Returns the trainers whose roots are the inputs."""
    from mechanism.commitment import commit
    from mechanism.fixedpoint import MAX_ABS_INT
    from mechanism.rollup.predicates import NON_FINITE, range_proof

    params = pr.sim_rollup.params
    vcfg = pr.sim_validity.cfg
    rnd = pr.sim_rollup.counter("next_round")
    bad = np.zeros(vcfg.d, dtype=np.int64)
    bad[0] = MAX_ABS_INT + 1
    bad_root = commit(bad, vcfg.chunk, vcfg.arity).root
    trainers = []
    for i, root in enumerate([bad_root] * invalid + list(roots)):
        t = pr.new_account(10**21)
        pr.rollup_tx(t, "register_trainer", value_wei=params.trainer_stake_wei)
        pr.rollup_tx(t, "publish_update", rnd, root, root)
        if i >= invalid:
            trainers.append(t)
            continue
        chal = pr.new_account(10**21)
        did = pr.rollup_tx(chal, "challenge_trainer", t, rnd, NON_FINITE,
                           value_wei=params.challenger_bond_wei)[1].value
        pr.validity_tx(chal, "prove_range", did, *range_proof(bad, vcfg))
    wait = pr.sim_rollup.counter("round_open_block") + params.assertion_delay_blocks - pr.sim_rollup.block
    pr.advance(max(0, wait))
    return trainers


def play_round(pr: PairedArbiter, x: np.ndarray, lie: bool, griefer: str | None = None,
               seed: int = 0, open_game: bool = True, invalid: int = 0) -> dict[str, Any]:
    """n trainers publish the rows of ``x`` (and ``invalid`` more are proven invalid,
    :func:`publish_round`); post an assertion over the published inputs (a consistent lie
    if ``lie``), challenge it (honestly, or with the lying strategy ``griefer`` against an
    honest assertion), open and play the game move by move on both backends, settle,
    finalise if it stands, withdraw everything. Returns both backends' winners, balances
    and gas."""
    from mechanism.rollup.disputes import assert_round_with, game_parties, input_roots

    cfg, params = pr.sim.cfg, pr.sim_rollup.params
    n = x.shape[0]
    claim, _prog, honest, claimed = assert_round_with(cfg.rule, x, cfg.chunk, cfg.arity, lie,
                                                      np.random.default_rng(seed), **cfg.rule_params(n))
    publish_round(pr, input_roots(honest), invalid)
    seq, chal = pr.new_account(10**21), pr.new_account(10**21)
    rnd = pr.sim_rollup.counter("next_round")
    aid = pr.rollup_tx(seq, "post_assertion", rnd, claim.input_root, claim.output_root, claim.stats_root, n,
                       value_wei=params.sequencer_bond_wei)[1].value
    pr.advance(1)
    did = pr.rollup_tx(chal, "challenge_assertion", aid, value_wei=params.challenger_bond_wei)[1].value
    pr.advance(1)
    if open_game:
        pr.arbiter_tx(seq, "open_game", did, input_roots(honest), claimed.roots[0])
        sides = [game_parties(x, honest, claimed, np.random.default_rng(seed + 1), griefer) for _ in range(2)]
        g = pr.sim.games[did]
        while g.winner is None:
            pr.advance(1)
            if pr.sim_rollup.block > g.deadline:
                break
            i = 0 if g.turn == "proposer" else 1
            pr.act(did, sides[0][i], sides[1][i])
        if g.winner is None:
            pr.advance(g.deadline + 1 - pr.sim_rollup.block)
    else:
        pr.advance(cfg.clock_blocks + 1)
    pr.advance(1)
    settled = pr.arbiter_tx(chal, "settle", did)
    if pr.sim_rollup.assertion(aid)["status"] == 1:
        pr.advance(max(0, pr.sim_rollup.assertion(aid)["posted_block"] + params.challenge_period_blocks
                       - pr.sim_rollup.block))
        pr.rollup_tx(seq, "finalise", aid)
    for acct in (seq, chal):
        if pr.sim_rollup.balance_of(acct):
            pr.rollup_tx(acct, "withdraw")
    wallets = {who: (pr.sim_rollup.wallet(a), pr.evm.rollup.wallet(a)) for who, a in (("seq", seq), ("chal", chal))}
    return {"did": did, "settled": settled, "wallets": wallets,
            "winner": (pr.sim.games[did].winner if did in pr.sim.games else "challenger",
                       pr.evm.game_winner(did) if did in pr.evm.games else "challenger"),
            "status": (pr.sim_rollup.assertion(aid)["status"], pr.evm.rollup.assertion(aid)["status"])}


def calibrate() -> dict[str, tuple[int, int]]:
    """``ARBITER_GAS`` from EVM runs: open_game at n = 4 and 8 (a + b n, exact: storage
    is linear in n) and with 2 excluded publishers (per excluded one), settle after a
    finished game, after a timeout, and unopened."""
    cfg = GameConfig(dim=32, chunk=8, arity=4, clock_blocks=3)
    params = cfg.rollup_params(challenge_period_blocks=6, move_clock_blocks=3)
    rng = np.random.default_rng(0)
    opens: dict[int, int] = {}
    settle: dict[str, int] = {}
    for n, lie, griefer, opened, invalid in ((4, True, None, True, 0), (8, False, "stall", True, 0),
                                             (8, True, None, False, 0), (4, True, None, True, 2)):
        pr = PairedArbiter(params, cfg)
        x = rng.integers(-1000, 1000, size=(n, cfg.dim)).astype(np.int64)
        did = play_round(pr, x, lie, griefer, open_game=opened, invalid=invalid)["did"]
        seen = pr.evm.exec_gas_of
        if opened:
            opens[n + 100 * invalid] = seen["open_game"]
        g = pr.sim.games.get(did)
        path = "settle:unopened" if g is None else ("settle:done" if "clock" not in g.reason else "settle:timeout")
        settle[path] = seen["settle"] - pr.sim.last_inner_gas
    b = (opens[8] - opens[4]) // 4
    return {"open_game": (opens[4] - 4 * b, b), "open_game:excluded": ((opens[204] - opens[4]) // 2, 0),
            **{k: (v, 0) for k, v in sorted(settle.items())}}


if __name__ == "__main__":
    import sys

    if "--calibrate" in sys.argv:
        for path, coef in calibrate().items():
            print(f"    {path!r}: {coef},")
