# pragma version ~=0.4.3
"""
@title Arbiter: the rollup's link to the on-chain dispute game (orfl)
@notice The `arbiter` of a `Rollup.vy` deployed with `assertion_depth` 0: for every
        assertion dispute it creates a `DisputeGame.vy` (from a blueprint) between the
        dispute's defender (the proposer) and challenger, and when the game is over it
        calls `Rollup.resolve(did, defender_wins)` with the game's winner, so bonds move
        by the verdict of the on-chain one-step verifier.
        * `open_game` (defender, within `clock_blocks` of the challenge): reveals the n
          input roots (they must hash to the assertion's `input_root`, node hash
          0x01 || roots, mechanism/commitment.py) and the claimed column root (stage 0 of
          the rule's trace program); the output root is the assertion's. The input roots
          must be the round's published updates, `Rollup.round_inputs(aid)`: in order of
          publication, without the updates proven invalid before the assertion was
          posted ("published count", "unpublished input"). An assertion over inputs the
          trainers did not publish can therefore not be defended: its proposer loses
          once its clock runs out, however correctly it aggregated them.
          The claimed column root must be the one posted with the assertion (its
          `stats_root` slot: "column root"), so the game's stage-0 root is fixed before
          any challenge.
        * the parties then move in the game contract itself (challenge, reveal, choose,
          reveal_column, onestep), each within the game's clock of `clock_blocks`;
        * `settle` (anyone): times the game out if its clock ran out, reads its winner
          and resolves the rollup dispute. A defender that never opened the game loses
          once its clock ran out.
        Trimmed mean: f = min(max(1, n * trim_bps // 10^4), (n - 1) // 2) trainers are
        trimmed on each side, so n >= 2f + 1 for every n >= 1 (n = 1, 2: f = 0, the mean).
        `bind` refuses a rollup whose `verdict_clock_blocks` is shorter than the longest
        game ((2 * depth + 4) * clock_blocks + 1 blocks: else `Rollup.timeout` would let a
        stalling defender's claim stand first) and a rollup without a trainer-validity
        contract (this arbiter cannot judge trainer disputes: they would all go to the
        trainer by `Rollup.timeout`).
"""

struct Assertion:
    round: uint256
    proposer: address
    bond_wei: uint256
    input_root: bytes32
    output_root: bytes32
    stats_root: bytes32
    num_inputs: uint256
    posted_block: uint256
    status: uint256
    open_disputes: uint256

struct Dispute:
    kind: uint256
    subject: uint256
    trainer: address
    defender: address
    challenger: address
    bond_wei: uint256
    predicate: uint256
    moves_made: uint256
    deadline_block: uint256
    position: uint256
    commitment: bytes32
    status: uint256

interface IRollup:
    def disputes(did: uint256) -> Dispute: view
    def assertions(aid: uint256) -> Assertion: view
    def round_inputs(aid: uint256) -> DynArray[bytes32, MAX_PUBLISHERS]: view
    def assertion_depth() -> uint256: view
    def verdict_clock_blocks() -> uint256: view
    def validity() -> address: view
    def resolve(did: uint256, defender_wins: bool): nonpayable

interface IGame:
    def phase() -> uint256: view
    def winner() -> address: view
    def timeout(): nonpayable

MAX_N: constant(uint256) = 64
MAX_PUBLISHERS: constant(uint256) = 64
BPS: constant(uint256) = 10000
KIND_ASSERTION: constant(uint256) = 1
ACTIVE: constant(uint256) = 1
DONE: constant(uint256) = 4
RULE_TRIMMED_MEAN: constant(uint256) = 2

event GameOpened:
    dispute_id: indexed(uint256)
    num_inputs: uint256

event Settled:
    dispute_id: indexed(uint256)
    defender_wins: bool

deployer: immutable(address)
game_blueprint: public(immutable(address))
dim: public(immutable(uint256))
chunk: public(immutable(uint256))
arity: public(immutable(uint256))
depth: public(immutable(uint256))
rule: public(immutable(uint256))
trim_bps: public(immutable(uint256))
clock_blocks: public(immutable(uint256))

rollup: public(address)
games: public(HashMap[uint256, address])


@deploy
def __init__(_game_blueprint: address, _dim: uint256, _chunk: uint256, _arity: uint256, _depth: uint256,
             _rule: uint256, _trim_bps: uint256, _clock_blocks: uint256):
    assert _game_blueprint != empty(address), "no blueprint"
    assert _trim_bps < BPS // 2, "trim share"
    assert _clock_blocks > 0, "zero clock"
    deployer = msg.sender
    game_blueprint = _game_blueprint
    dim = _dim
    chunk = _chunk
    arity = _arity
    depth = _depth
    rule = _rule
    trim_bps = _trim_bps
    clock_blocks = _clock_blocks


@external
def bind(_rollup: address):
    """@notice Once, by the deployer: the rollup whose disputes this arbiter decides."""
    assert msg.sender == deployer, "not deployer"
    assert self.rollup == empty(address), "already bound"
    assert staticcall IRollup(_rollup).assertion_depth() == 0, "rollup bisects itself"
    assert staticcall IRollup(_rollup).verdict_clock_blocks() >= (2 * depth + 4) * clock_blocks + 1, "verdict clock"
    assert staticcall IRollup(_rollup).validity() != empty(address), "no trainer validity"
    self.rollup = _rollup


@internal
@view
def _opened(dsp: Dispute) -> uint256:
    """Block the dispute was opened (its deadline is fixed at opening when depth is 0)."""
    return dsp.deadline_block - staticcall IRollup(self.rollup).verdict_clock_blocks()


@external
def open_game(did: uint256, input_roots: DynArray[bytes32, MAX_N], cols_root: bytes32) -> address:
    assert self.games[did] == empty(address), "game open"
    dsp: Dispute = staticcall IRollup(self.rollup).disputes(did)
    assert dsp.kind == KIND_ASSERTION, "not an assertion dispute"
    assert dsp.status == ACTIVE, "dispute over"
    assert msg.sender == dsp.defender, "not defender"
    assert block.number <= self._opened(dsp) + clock_blocks, "clock expired"
    a: Assertion = staticcall IRollup(self.rollup).assertions(dsp.subject)
    n: uint256 = len(input_roots)
    assert n == a.num_inputs, "input count"
    assert sha256(concat(b"\x01", slice(abi_encode(input_roots), 64, 32 * n))) == a.input_root, "input roots"
    published: DynArray[bytes32, MAX_PUBLISHERS] = staticcall IRollup(self.rollup).round_inputs(dsp.subject)
    assert len(published) == n, "published count"
    for i: uint256 in range(MAX_N):
        if i >= n:
            break
        assert input_roots[i] == published[i], "unpublished input"
    assert cols_root == a.stats_root, "column root"
    f: uint256 = 0
    if rule == RULE_TRIMMED_MEAN:
        f = min(max(1, n * trim_bps // BPS), (n - 1) // 2)
    game: address = create_from_blueprint(
        game_blueprint, dsp.defender, dsp.challenger, input_roots, cols_root, a.output_root,
        dim, chunk, arity, depth, rule, f, clock_blocks,
    )
    self.games[did] = game
    log GameOpened(dispute_id=did, num_inputs=n)
    return game


@external
def settle(did: uint256):
    """@notice Resolve rollup dispute `did` by its game's verdict (anyone may call)."""
    dsp: Dispute = staticcall IRollup(self.rollup).disputes(did)
    assert dsp.kind == KIND_ASSERTION, "not an assertion dispute"
    game: address = self.games[did]
    defender_wins: bool = False
    if game == empty(address):
        assert block.number > self._opened(dsp) + clock_blocks, "clock running"
    else:
        if staticcall IGame(game).phase() != DONE:
            extcall IGame(game).timeout()
        defender_wins = staticcall IGame(game).winner() == dsp.defender
    extcall IRollup(self.rollup).resolve(did, defender_wins)
    log Settled(dispute_id=did, defender_wins=defender_wins)
