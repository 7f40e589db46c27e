# pragma version ~=0.4.3
"""
@title orfl optimistic rollup for federated-learning rounds
@notice Real-ETH ledger of the protocol in DESIGN.md "The protocol":
    * trainers register with a stake of exactly `trainer_stake_wei`;
    * a proposer (sequencer) posts one assertion per round with a bond of exactly
      `sequencer_bond_wei` (input root, output root, claimed-statistics root);
    * during `challenge_period_blocks` anyone may challenge with `challenger_bond_wei`;
      every challenge is its own 1-vs-1 bisection dispute (`dispute_depth` levels of
      "defender reveals a commitment of `arity` children, challenger names one"),
      each move bounded by a per-move clock of `move_clock_blocks`; trainer disputes use
      `dispute_depth` levels, assertion disputes `assertion_depth` levels;
    * a trainer publishes, per round, its update root and the DA layer's commitment to the
      published bytes (`publish_update`); a trainer can only be challenged for a round
      it published, so every fraud proof is checked against roots on chain;
    * the inputs of a round (`round_inputs(aid)`, checked by the arbiter when the game of
      an assertion dispute opens): the update roots published for the round, in order of
      publication (`publishers`), without every update proven invalid -- a trainer
      dispute on (trainer, round) lost by the trainer -- before assertion `aid` was
      posted (`invalid_from`: the first assertion id that excludes it). Only the current
      round is open for publication ("round closed"), and only for
      `publication_window_blocks` after it opened ("publication closed"); its updates can
      be disputed until `trainer_challenge_window_blocks` later ("challenge window
      over"), and an assertion on it is accepted only after both windows, while none of
      its trainer disputes is open, and with `num_inputs` equal to the live count
      ("inputs changed"): the inputs are fixed before any assertion. At most
      MAX_PUBLISHERS (= a dispute game's inputs) updates per round, and at most as many
      registered trainers ("trainer set full"), so every registered trainer has a slot in
      every round (docs/protocol.md). Trainers that did not publish, or whose update was
      proven invalid in time, are not inputs. A round
      without live updates is asserted by the all-zero assertion with 0 inputs only,
      which cannot be challenged. A trainer that asked to exit cannot publish, and it
      cannot leave before every round it published for is final;
    * trainer disputes are resolved by `validity` when set (`TrainerValidity.vy`: deployed
      with `dispute_depth` 0, it runs the trainer-validity game and the on-chain check of
      the disputed predicate), else by `arbiter`;
    * at the leaf, the one-step verdict is delivered by `arbiter` within
      `verdict_clock_blocks`: the on-chain dispute game (`Arbiter.vy` opens a
      `DisputeGame.vy` per dispute and calls `resolve` with its winner; deployed with
      `assertion_depth` 0, the whole bisection of an assertion then runs in the game),
      or an off-chain model of it in simulations;
    * the loser's bond (or the trainer's stake) is slashed: `reward_share_bps`/10^4 of it
      is credited to the winner, the rest is sent to BURN (0x...dEaD), which nobody controls;
    * a challenger win reverts the assertion: the round is redone by a new assertion;
    * an assertion finalises after the period if every dispute on it was won by the
      proposer; only finalised money is credited to `balance_of`, withdrawn pull-style.

    Several challengers (the rule): ALL challenges run in parallel, each
    against the proposer with its own clocks; the number of challenges is unbounded, so a
    flood of fake challenges cannot occupy a slot an honest challenger needs, and each
    fake one is resolved within dispute_depth * 2 + 1 clocks and costs its bond. The
    first challenger win reverts the assertion; every other open dispute on it is then
    cancelled with a full refund of its bond (`cancel_dispute`). Trainer fraud proofs
    (validity predicates) use the same disputes with the trainer as defender.

    Conservation (checked by the tests after every transaction):
    total_deposited_wei == self.balance + total_withdrawn_wei + total_burned_wei
    and self.balance == sum(stakes) + sum(locked bonds) + sum(balance_of).
"""

BURN: constant(address) = 0x000000000000000000000000000000000000dEaD
BPS: constant(uint256) = 10000

# assertion status
PENDING: constant(uint256) = 1
FINALISED: constant(uint256) = 2
REVERTED: constant(uint256) = 3
# dispute kind
KIND_ASSERTION: constant(uint256) = 1
KIND_TRAINER: constant(uint256) = 2
# dispute status
ACTIVE: constant(uint256) = 1
DEFENDER_WON: constant(uint256) = 2
CHALLENGER_WON: constant(uint256) = 3
CANCELLED: constant(uint256) = 4
# trainer validity predicates (DESIGN.md): 1 non-finite encoding, 2 shape, 3 L2 norm, 4 commitment
MAX_PREDICATE: constant(uint256) = 4
# updates per round = the inputs one dispute game accepts (DisputeGame.vy MAX_N), so every
# round that can be published can also be defended
MAX_PUBLISHERS: constant(uint256) = 64
# a round stays open for publication at least this many blocks after it opened (the
# previous round finalised), so no assertion can close it in the block it opened
MIN_PUBLICATION_WINDOW_BLOCKS: constant(uint256) = 2
# after the publication window, the round's updates can be disputed for at least this many
# more blocks before an assertion on the round is accepted (an update published in the
# window's last block can be disputed in the block after it)
MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS: constant(uint256) = 1

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

event TrainerRegistered:
    trainer: indexed(address)
    stake_wei: uint256

event UpdatePublished:
    trainer: indexed(address)
    round: indexed(uint256)
    update_root: bytes32
    data_root: bytes32

event TrainerExitRequested:
    trainer: indexed(address)
    exit_block: uint256

event TrainerExited:
    trainer: indexed(address)
    stake_wei: uint256

event AssertionPosted:
    assertion_id: indexed(uint256)
    round: uint256
    proposer: indexed(address)
    output_root: bytes32

event Challenged:
    dispute_id: indexed(uint256)
    kind: uint256
    subject: uint256
    defender: indexed(address)
    challenger: indexed(address)

event Moved:
    dispute_id: indexed(uint256)
    mover: indexed(address)
    moves_made: uint256
    data: bytes32

event DisputeResolved:
    dispute_id: indexed(uint256)
    winner: indexed(address)
    loser: indexed(address)
    reward_wei: uint256
    burned_wei: uint256

event DisputeCancelled:
    dispute_id: indexed(uint256)
    refund_wei: uint256

event AssertionFinalised:
    assertion_id: indexed(uint256)
    round: uint256

event AssertionReverted:
    assertion_id: indexed(uint256)
    round: uint256

event Withdrawn:
    account: indexed(address)
    amount_wei: uint256

trainer_stake_wei: public(immutable(uint256))
sequencer_bond_wei: public(immutable(uint256))
challenger_bond_wei: public(immutable(uint256))
reward_share_bps: public(immutable(uint256))
challenge_period_blocks: public(immutable(uint256))
move_clock_blocks: public(immutable(uint256))
dispute_depth: public(immutable(uint256))
assertion_depth: public(immutable(uint256))
verdict_clock_blocks: public(immutable(uint256))
arity: public(immutable(uint256))
publication_window_blocks: public(immutable(uint256))
trainer_challenge_window_blocks: public(immutable(uint256))
arbiter: public(immutable(address))
validity: public(immutable(address))

stake_of: public(HashMap[address, uint256])
exit_block: public(HashMap[address, uint256])
trainer_open_disputes: public(HashMap[address, uint256])
balance_of: public(HashMap[address, uint256])
update_root: public(HashMap[address, HashMap[uint256, bytes32]])
data_root: public(HashMap[address, HashMap[uint256, bytes32]])
publishers: public(HashMap[uint256, HashMap[uint256, address]])
publisher_count: public(HashMap[uint256, uint256])
invalid_from: public(HashMap[address, HashMap[uint256, uint256]])
excluded_count: public(HashMap[uint256, uint256])
round_trainer_disputes: public(HashMap[uint256, uint256])
published_until: public(HashMap[address, uint256])
round_open_block: public(uint256)
trainer_count: public(uint256)
slashed_publishers: public(HashMap[uint256, uint256])

assertions: public(HashMap[uint256, Assertion])
assertion_count: public(uint256)
pending_assertion: public(HashMap[uint256, uint256])
next_round: public(uint256)

disputes: public(HashMap[uint256, Dispute])
dispute_count: public(uint256)
assertion_challenged: public(HashMap[uint256, HashMap[address, bool]])
trainer_challenged: public(HashMap[address, HashMap[uint256, HashMap[address, bool]]])

total_deposited_wei: public(uint256)
total_withdrawn_wei: public(uint256)
total_burned_wei: public(uint256)


@deploy
def __init__(
    _trainer_stake_wei: uint256,
    _sequencer_bond_wei: uint256,
    _challenger_bond_wei: uint256,
    _reward_share_bps: uint256,
    _challenge_period_blocks: uint256,
    _move_clock_blocks: uint256,
    _dispute_depth: uint256,
    _assertion_depth: uint256,
    _verdict_clock_blocks: uint256,
    _arity: uint256,
    _publication_window_blocks: uint256,
    _trainer_challenge_window_blocks: uint256,
    _arbiter: address,
    _validity: address,
):
    assert _trainer_stake_wei > 0 and _sequencer_bond_wei > 0 and _challenger_bond_wei > 0, "zero bond"
    assert _reward_share_bps <= BPS, "reward share above 1"
    assert _challenge_period_blocks > 0 and _move_clock_blocks > 0 and _verdict_clock_blocks > 0, "zero period"
    assert _publication_window_blocks >= MIN_PUBLICATION_WINDOW_BLOCKS, "publication window"
    assert _trainer_challenge_window_blocks >= MIN_TRAINER_CHALLENGE_WINDOW_BLOCKS, "trainer challenge window"
    assert _arity >= 2, "arity below 2"
    assert _arbiter != empty(address), "no arbiter"
    trainer_stake_wei = _trainer_stake_wei
    sequencer_bond_wei = _sequencer_bond_wei
    challenger_bond_wei = _challenger_bond_wei
    reward_share_bps = _reward_share_bps
    challenge_period_blocks = _challenge_period_blocks
    move_clock_blocks = _move_clock_blocks
    dispute_depth = _dispute_depth
    assertion_depth = _assertion_depth
    verdict_clock_blocks = _verdict_clock_blocks
    arity = _arity
    publication_window_blocks = _publication_window_blocks
    trainer_challenge_window_blocks = _trainer_challenge_window_blocks
    arbiter = _arbiter
    validity = _validity
    self.round_open_block = block.number


# ---------------------------------------------------------------- trainers

@external
@payable
def register_trainer():
    assert self.stake_of[msg.sender] == 0, "already registered"
    assert self.trainer_open_disputes[msg.sender] == 0, "disputes open"
    n: uint256 = self.trainer_count
    assert n + self.slashed_publishers[self.next_round] < MAX_PUBLISHERS, "trainer set full"
    assert msg.value >= trainer_stake_wei, "insufficient stake"
    assert msg.value == trainer_stake_wei, "excess stake"
    self.trainer_count = n + 1
    self.stake_of[msg.sender] = msg.value
    self.exit_block[msg.sender] = 0
    self.total_deposited_wei += msg.value
    log TrainerRegistered(trainer=msg.sender, stake_wei=msg.value)


@external
def publish_update(round: uint256, _update_root: bytes32, _data_root: bytes32):
    """Put the trainer's update root (mechanism/commitment.py) and the DA commitment of
    the published bytes (mechanism/rollup/predicates.py) for `round` on chain, once, while the
    round is open; the trainer becomes the round's next publisher. Only the current round
    (`next_round`) is open, and not to a trainer that asked to exit: its stake stays
    locked until the round is final (`complete_exit`)."""
    assert self.stake_of[msg.sender] > 0, "unknown trainer"
    assert self.exit_block[msg.sender] == 0, "exit requested"
    assert _update_root != empty(bytes32), "empty root"
    assert self.update_root[msg.sender][round] == empty(bytes32), "already published"
    assert round == self.next_round and self.pending_assertion[round] == 0, "round closed"
    assert block.number < self.round_open_block + publication_window_blocks, "publication closed"
    i: uint256 = self.publisher_count[round]
    assert i < MAX_PUBLISHERS, "round full"
    self.publishers[round][i] = msg.sender
    self.publisher_count[round] = i + 1
    self.published_until[msg.sender] = round + 1
    self.update_root[msg.sender][round] = _update_root
    self.data_root[msg.sender][round] = _data_root
    log UpdatePublished(trainer=msg.sender, round=round, update_root=_update_root, data_root=_data_root)


@external
def request_exit():
    assert self.stake_of[msg.sender] > 0, "unknown trainer"
    assert self.exit_block[msg.sender] == 0, "exit requested"
    e: uint256 = block.number + challenge_period_blocks
    self.exit_block[msg.sender] = e
    log TrainerExitRequested(trainer=msg.sender, exit_block=e)


@external
def complete_exit():
    stake: uint256 = self.stake_of[msg.sender]
    assert stake > 0, "unknown trainer"
    assert self.exit_block[msg.sender] != 0, "exit not requested"
    assert block.number >= self.exit_block[msg.sender], "exit delay active"
    assert self.trainer_open_disputes[msg.sender] == 0, "disputes open"
    assert self.published_until[msg.sender] <= self.next_round, "updates pending"
    self.stake_of[msg.sender] = 0
    self.exit_block[msg.sender] = 0
    self.trainer_count -= 1
    self.balance_of[msg.sender] += stake
    log TrainerExited(trainer=msg.sender, stake_wei=stake)


# ---------------------------------------------------------------- assertions

@external
@payable
def post_assertion(
    round: uint256, input_root: bytes32, output_root: bytes32, stats_root: bytes32, num_inputs: uint256
) -> uint256:
    assert round == self.next_round, "wrong round"
    assert self.pending_assertion[round] == 0, "round pending"
    assert block.number >= self.round_open_block + publication_window_blocks + trainer_challenge_window_blocks, \
        "trainer challenge window"
    assert self.round_trainer_disputes[round] == 0, "trainer disputes open"
    live: uint256 = self.publisher_count[round] - self.excluded_count[round]
    if num_inputs == 0 or live == 0:
        assert num_inputs == 0 and live == 0 and input_root == empty(bytes32) and \
            output_root == empty(bytes32) and stats_root == empty(bytes32), "empty round"
    assert num_inputs == live, "inputs changed"
    assert msg.value >= sequencer_bond_wei, "insufficient bond"
    assert msg.value == sequencer_bond_wei, "excess bond"
    aid: uint256 = self.assertion_count + 1
    self.assertion_count = aid
    self.assertions[aid] = Assertion(
        round=round, proposer=msg.sender, bond_wei=msg.value, input_root=input_root,
        output_root=output_root, stats_root=stats_root, num_inputs=num_inputs,
        posted_block=block.number, status=PENDING, open_disputes=0,
    )
    self.pending_assertion[round] = aid
    self.total_deposited_wei += msg.value
    log AssertionPosted(assertion_id=aid, round=round, proposer=msg.sender, output_root=output_root)
    return aid


@external
def finalise(aid: uint256):
    a: Assertion = self.assertions[aid]
    assert a.status != 0, "unknown assertion"
    assert a.status != FINALISED, "already finalised"
    assert a.status != REVERTED, "assertion reverted"
    assert block.number >= a.posted_block + challenge_period_blocks, "challenge period active"
    assert a.open_disputes == 0, "disputes open"
    self.assertions[aid].status = FINALISED
    self.pending_assertion[a.round] = 0
    self.next_round = a.round + 1
    self.round_open_block = block.number
    self.balance_of[a.proposer] += a.bond_wei
    log AssertionFinalised(assertion_id=aid, round=a.round)


@external
@view
def round_inputs(aid: uint256) -> DynArray[bytes32, MAX_PUBLISHERS]:
    """The update roots assertion `aid` must aggregate, in order of publication: every
    update published for its round except those proven invalid before it was posted."""
    rnd: uint256 = self.assertions[aid].round
    out: DynArray[bytes32, MAX_PUBLISHERS] = []
    for i: uint256 in range(MAX_PUBLISHERS):
        if i >= self.publisher_count[rnd]:
            break
        t: address = self.publishers[rnd][i]
        e: uint256 = self.invalid_from[t][rnd]
        if e == 0 or e > aid:
            out.append(self.update_root[t][rnd])
    return out


# ---------------------------------------------------------------- disputes

@internal
@view
def _depth(kind: uint256) -> uint256:
    if kind == KIND_ASSERTION:
        return assertion_depth
    return dispute_depth


@internal
def _open(
    kind: uint256, subject: uint256, trainer: address, defender: address, predicate: uint256, bond: uint256
) -> uint256:
    did: uint256 = self.dispute_count + 1
    self.dispute_count = did
    clock: uint256 = move_clock_blocks
    if self._depth(kind) == 0:
        clock = verdict_clock_blocks
    self.disputes[did] = Dispute(
        kind=kind, subject=subject, trainer=trainer, defender=defender, challenger=msg.sender,
        bond_wei=bond, predicate=predicate, moves_made=0,
        deadline_block=block.number + clock, position=0, commitment=empty(bytes32),
        status=ACTIVE,
    )
    self.total_deposited_wei += bond
    log Challenged(dispute_id=did, kind=kind, subject=subject, defender=defender, challenger=msg.sender)
    return did


@external
@payable
def challenge_assertion(aid: uint256) -> uint256:
    a: Assertion = self.assertions[aid]
    assert a.status != 0, "unknown assertion"
    assert a.status == PENDING, "assertion not pending"
    assert block.number < a.posted_block + challenge_period_blocks, "challenge period over"
    assert a.num_inputs > 0, "empty round"
    assert not self.assertion_challenged[aid][msg.sender], "already challenged"
    assert msg.value >= challenger_bond_wei, "insufficient bond"
    assert msg.value == challenger_bond_wei, "excess bond"
    self.assertion_challenged[aid][msg.sender] = True
    self.assertions[aid].open_disputes = a.open_disputes + 1
    return self._open(KIND_ASSERTION, aid, empty(address), a.proposer, 0, msg.value)


@external
@payable
def challenge_trainer(trainer: address, round: uint256, predicate: uint256) -> uint256:
    """Dispute the update `trainer` published for `round`. Its subject is the update,
    not the stake: it stays open (and can be opened) after the trainer was slashed in
    another dispute, until the update is proven invalid."""
    assert predicate >= 1 and predicate <= MAX_PREDICATE, "unknown predicate"
    assert self.update_root[trainer][round] != empty(bytes32), "no update"
    assert self.invalid_from[trainer][round] == 0, "proven invalid"
    assert round < self.next_round or \
        block.number < self.round_open_block + publication_window_blocks + trainer_challenge_window_blocks, \
        "challenge window over"
    assert not self.trainer_challenged[trainer][round][msg.sender], "already challenged"
    assert msg.value >= challenger_bond_wei, "insufficient bond"
    assert msg.value == challenger_bond_wei, "excess bond"
    self.trainer_challenged[trainer][round][msg.sender] = True
    self.trainer_open_disputes[trainer] += 1
    self.round_trainer_disputes[round] += 1
    return self._open(KIND_TRAINER, round, trainer, trainer, predicate, msg.value)


@internal
@view
def _subject_live(d: Dispute) -> bool:
    if d.kind == KIND_ASSERTION:
        return self.assertions[d.subject].status == PENDING
    return self.invalid_from[d.trainer][d.subject] == 0


@external
def move(did: uint256, data: bytes32):
    d: Dispute = self.disputes[did]
    assert d.status != 0, "unknown dispute"
    assert d.status == ACTIVE, "dispute over"
    assert self._subject_live(d), "subject gone"
    depth: uint256 = self._depth(d.kind)
    assert d.moves_made < 2 * depth, "bisection complete"
    mover: address = d.challenger
    if d.moves_made % 2 == 0:
        mover = d.defender
    assert msg.sender == mover, "not your turn"
    assert block.number <= d.deadline_block, "clock expired"
    if d.moves_made % 2 == 0:
        self.disputes[did].commitment = data
    else:
        index: uint256 = convert(data, uint256)
        assert index < arity, "bad index"
        self.disputes[did].position = d.position * arity + index
    self.disputes[did].moves_made = d.moves_made + 1
    if d.moves_made + 1 == 2 * depth:
        self.disputes[did].deadline_block = block.number + verdict_clock_blocks
    else:
        self.disputes[did].deadline_block = block.number + move_clock_blocks
    log Moved(dispute_id=did, mover=msg.sender, moves_made=d.moves_made + 1, data=data)


@internal
def _settle(did: uint256, d: Dispute, defender_wins: bool):
    """Slash the loser: reward_share to the winner's balance, the rest to BURN."""
    winner: address = d.defender
    loser: address = d.challenger
    slashed: uint256 = d.bond_wei
    if defender_wins:
        self.disputes[did].status = DEFENDER_WON
    else:
        self.disputes[did].status = CHALLENGER_WON
        winner = d.challenger
        loser = d.defender
        self.balance_of[d.challenger] += d.bond_wei
        if d.kind == KIND_ASSERTION:
            slashed = self.assertions[d.subject].bond_wei
        else:
            slashed = self.stake_of[d.trainer]
    if d.kind == KIND_ASSERTION:
        self.assertions[d.subject].open_disputes -= 1
        if not defender_wins:
            self.assertions[d.subject].status = REVERTED
            self.pending_assertion[self.assertions[d.subject].round] = 0
            log AssertionReverted(assertion_id=d.subject, round=self.assertions[d.subject].round)
    else:
        self.trainer_open_disputes[d.trainer] -= 1
        self.round_trainer_disputes[d.subject] -= 1
        if not defender_wins:
            # a slashed trainer leaves the trainer set; if it published for the open round,
            # its publication keeps its slot there (slashed_publishers), so the slot is not
            # handed to a new registrant in the same round. Reads first: the same gas on
            # every branch.
            nr: uint256 = self.next_round
            n: uint256 = self.trainer_count
            sp: uint256 = self.slashed_publishers[nr]
            published_now: bool = self.update_root[d.trainer][nr] != empty(bytes32)
            if self.stake_of[d.trainer] > 0:
                self.trainer_count = n - 1
                if published_now:
                    self.slashed_publishers[nr] = sp + 1
            self.stake_of[d.trainer] = 0
            self.exit_block[d.trainer] = 0
            self.invalid_from[d.trainer][d.subject] = self.assertion_count + 1
            self.excluded_count[d.subject] += 1
    reward: uint256 = slashed * reward_share_bps // BPS
    burned: uint256 = slashed - reward
    self.balance_of[winner] += reward
    self.total_burned_wei += burned
    log DisputeResolved(dispute_id=did, winner=winner, loser=loser, reward_wei=reward, burned_wei=burned)
    if burned > 0:
        send(BURN, burned)


@external
@nonreentrant
def resolve(did: uint256, defender_wins: bool):
    d: Dispute = self.disputes[did]
    resolver: address = arbiter
    if d.kind == KIND_TRAINER and validity != empty(address):
        resolver = validity
    assert msg.sender == resolver, "not arbiter"
    assert d.status != 0, "unknown dispute"
    assert d.status == ACTIVE, "dispute over"
    assert self._subject_live(d), "subject gone"
    assert d.moves_made == 2 * self._depth(d.kind), "bisection incomplete"
    assert block.number <= d.deadline_block, "clock expired"
    self._settle(did, d, defender_wins)


@external
@nonreentrant
def timeout(did: uint256):
    """Past the deadline the party to move loses; at the leaf the challenger bears the
    burden of proof, so a missing one-step verdict lets the defender's claim stand."""
    d: Dispute = self.disputes[did]
    assert d.status != 0, "unknown dispute"
    assert d.status == ACTIVE, "dispute over"
    assert self._subject_live(d), "subject gone"
    assert block.number > d.deadline_block, "clock running"
    defender_wins: bool = True
    if d.moves_made < 2 * self._depth(d.kind) and d.moves_made % 2 == 0:
        defender_wins = False
    self._settle(did, d, defender_wins)


@external
def cancel_dispute(did: uint256):
    """Refund a dispute whose subject is gone (assertion reverted by another challenger,
    update already proven invalid by another): the challenger gets its whole bond back."""
    d: Dispute = self.disputes[did]
    assert d.status != 0, "unknown dispute"
    assert d.status == ACTIVE, "dispute over"
    assert not self._subject_live(d), "subject live"
    self.disputes[did].status = CANCELLED
    if d.kind == KIND_ASSERTION:
        self.assertions[d.subject].open_disputes -= 1
    else:
        self.trainer_open_disputes[d.trainer] -= 1
        self.round_trainer_disputes[d.subject] -= 1
    self.balance_of[d.challenger] += d.bond_wei
    log DisputeCancelled(dispute_id=did, refund_wei=d.bond_wei)


# ---------------------------------------------------------------- withdrawals

@external
@nonreentrant
def withdraw():
    """Pull payment of finalised funds; checks-effects-interactions plus a lock."""
    amount: uint256 = self.balance_of[msg.sender]
    assert amount > 0, "nothing to withdraw"
    self.balance_of[msg.sender] = 0
    self.total_withdrawn_wei += amount
    log Withdrawn(account=msg.sender, amount_wei=amount)
    raw_call(msg.sender, b"", value=amount)
