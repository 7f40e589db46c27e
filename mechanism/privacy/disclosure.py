"""What each protocol path makes public about a trainer, measured from the proofs the
dispute games submit (docs/privacy.md, "Disclosure").

Paths:

* ``publication``: the trainer publishes its whole encoded update for data availability
  (docs/protocol.md): all d values, every round it takes part in.
* ``aggregation_dispute``: the one-step proof of the stage the game ends on. Counted
  from :class:`mechanism.dispute.proofs.Prover`'s proof for every stage of the rule's
  trace program: raw input chunks (``rows``: chunk j of every trainer, and the chunks of
  lexicographic tie witnesses) are the trainer's own values; ``vectors`` (chunks of
  derived stages such as sorted columns) and ``scalars`` (norms, pairwise distances,
  weights) are values derived from several trainers' updates.
* ``training_dispute``: the one-step proof of a training game
  (:mod:`mechanism.training_proof.game`): labels and feature chunks of the examples it
  opens are the trainer's raw *data*; opened chunks of its intermediate weights are its
  model states.

* ``hiding_dispute``: an aggregation dispute over salted (hiding) leaves
  (:mod:`mechanism.privacy.hiding_game`) when only commitments are published: counted
  from every move of played games (:func:`mechanism.privacy.hiding_game.revealed`), the
  values and salts of the opened chunks, and any unopened leaf's salt that appeared.
  :func:`designs` sets these against publication, plain leaves and local DP, and, given
  a measured cost (:mod:`mechanism.privacy.committee_cost`), against updates encrypted to
  a threshold committee (docs/privacy_committee.md).

The counts do not depend on d beyond the chunk (a proof opens at most a fixed number of
chunks), so they are measured on a small instance with the same chunk size and arity
and reported per dispute; fractions are per trainer of its d-value update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mechanism.errors import ParameterError

if TYPE_CHECKING:
    from mechanism.privacy.committee_cost import CommitteeCost


@dataclass(frozen=True)
class StageDisclosure:
    """One one-step proof: values it makes public."""

    stage: str
    kind: str
    own_values_max: int  # most raw values of a single trainer in the proof
    trainers_opened: int  # trainers with at least one raw value in the proof
    derived_values: int  # values derived from several trainers (vectors, scalars)


@dataclass(frozen=True)
class Disclosure:
    """The worst stage of a path: per dispute, one trainer's revealed raw values and the
    fraction of its d-value update they are."""

    path: str
    rule: str
    own_values_per_dispute: int
    fraction_of_update: float
    derived_values_per_dispute: int
    worst_stage: str
    stages: tuple[StageDisclosure, ...]


def _count_stage(prover: object, s: int, n: int) -> StageDisclosure:
    from mechanism.dispute.proofs import Prover

    assert isinstance(prover, Prover)
    st = prover.trace.program.stages[s]
    if st.kind == "select":
        proof = prover.select_proof(s)
    elif st.kind == "max":
        proof = prover.max_proof(s)
    elif st.kind == "column":
        # the column one-step opens one trainer's leaf hash (no values)
        return StageDisclosure(st.name, st.kind, 0, 0, 0)
    else:
        proof = prover.map_proof(s, 0)
    own = np.zeros(n, dtype=np.int64)
    for t, co in enumerate(proof.rows):
        own[t] += len(co.values)
    for (a, b), w in proof.lex.items():
        for t, half in ((a, w.a), (b, w.b)):
            if half is not None:
                own[t] += len(half.values)
    derived = sum(len(co.values) for co in proof.vectors.values())
    derived += sum(int(np.asarray(v).size) for v in proof.scalars.values())
    return StageDisclosure(st.name, st.kind, int(own.max()), int((own > 0).sum()), int(derived))


def aggregation_dispute(rule: str, n: int, d: int, chunk_size: int = 16, arity: int = 16,
                        seed: int = 0, **params: Any) -> Disclosure:
    """Values an aggregation dispute on ``rule`` reveals, worst stage (module docstring).
    Measured on an instance of ``n`` trainers and ``min(d, 4 chunks)`` coordinates."""
    for name, v, lo in (("n", n, 1), ("d", d, 1), ("chunk_size", chunk_size, 1), ("arity", arity, 2)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    from mechanism.dispute.programs import build_program
    from mechanism.dispute.proofs import Prover
    from mechanism.dispute.strategies import honest_trace

    small_d = min(d, 4 * chunk_size)
    rng = np.random.default_rng(seed)
    x = rng.integers(-(1 << 20), 1 << 20, size=(n, small_d), dtype=np.int64)
    prog = build_program(rule, n, small_d, **params)
    tr = honest_trace(prog, x, chunk_size, arity)
    prover = Prover.build(x, tr)
    stages = tuple(_count_stage(prover, s, n) for s in range(len(prog.stages)))
    worst = max(stages, key=lambda sd: (sd.own_values_max, sd.derived_values))
    return Disclosure("aggregation_dispute", rule, worst.own_values_max, worst.own_values_max / d,
                      max(sd.derived_values for sd in stages), worst.stage, stages)


def publication(d: int) -> Disclosure:
    """Publishing the update for data availability reveals all of it."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ParameterError.bad("d", d, "an integer >= 1")
    return Disclosure("publication", "-", d, 1.0, 0, "-", ())


@dataclass(frozen=True)
class TrainingDisclosure:
    """Worst stage of a training dispute: raw examples and values of the trainer's data
    and model states one one-step proof opens."""

    model: str
    examples_opened: int
    feature_values: int
    labels: int
    state_values: int
    data_fraction: float  # feature values opened / (shard size x features)
    worst_stage: str


def training_dispute(model: str = "logreg", steps: int = 2, seed: int = 0, chunk: int = 16,
                     arity: int = 4) -> TrainingDisclosure:
    """Worst stage over every stage of a digits training trace (module docstring)."""
    from mechanism.training_proof.game import TrainingProver
    from mechanism.training_proof.setup import digits_setting

    st, tr = digits_setting(model, 20, steps, seed, chunk=chunk, arity=arity)
    prover = TrainingProver(tr)
    best: tuple[int, int, int, int, str] | None = None
    for s, name in enumerate(st.names):
        proof = prover.sum_proof(s, 0, 0) if st.is_fold(s) else prover.map_proof(s, 0)
        feats = sum(len(v) for k, v in proof.scalars.items() if k.startswith("x"))
        labels = sum(1 for k in proof.scalars if k.startswith("d"))
        states = sum(len(v) for k, v in proof.scalars.items() if k.startswith("s"))
        examples = len({k.split(":")[0][1:] for k in proof.scalars if k[0] in "xd"})
        cand = (feats + labels, examples, labels, states, name)
        if best is None or cand[:1] > best[:1]:
            best = (feats + labels, examples, labels, states, name)
    assert best is not None
    total, examples, labels, states, name = best
    feats = total - labels
    return TrainingDisclosure(model, examples, feats, labels, states,
                              feats / (tr.shard.size * st.spec.features), name)


# --------------------------------------------------------------------------- designs


@dataclass(frozen=True)
class HidingDisclosure:
    """What aggregation disputes over salted leaves revealed (:mod:`.hiding_game`),
    counted from every submitted move of ``games`` played games (accepted or reverted):
    per dispute, one trainer's most values and salts, and the salts of leaves no proof
    opened that appeared in any move (0 when the leaves hide)."""

    rule: str
    games: int
    disputes_opening_values: int  # games whose moves opened input chunks
    own_values_per_dispute: int
    salts_per_dispute: int
    trainers_opened: int
    unopened_salts_revealed: int
    fraction_of_update: float
    honest_wins: int  # games the honest side won


def hiding_dispute(rule: str, n: int, d: int, chunk_size: int = 16, arity: int = 16, seed: int = 0,
                   games: int = 24, **params: Any) -> HidingDisclosure:
    """Play ``games`` hiding disputes on ``rule`` (every strategy, both liars, seeded) on
    an instance of ``n`` trainers and ``min(d, 4 chunks)`` coordinates, and count what
    their moves reveal (:func:`mechanism.privacy.hiding_game.revealed`)."""
    for name, v, lo in (("n", n, 1), ("d", d, 1), ("chunk_size", chunk_size, 1), ("arity", arity, 2),
                        ("games", games, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ParameterError.bad(name, v, f"an integer >= {lo}")
    from mechanism.dispute.programs import build_program
    from mechanism.dispute.strategies import STRATEGIES
    from mechanism.privacy.hiding import commit_hiding_rows, trainer_key
    from mechanism.privacy.hiding_game import hiding_trace, play_hiding, revealed

    small_d = min(d, 4 * chunk_size)
    rng = np.random.default_rng(seed)
    x = rng.integers(-(1 << 20), 1 << 20, size=(n, small_d), dtype=np.int64)
    cms = commit_hiding_rows(x, [trainer_key(seed, t) for t in range(n)], chunk_size, arity)
    prog = build_program(rule, n, small_d, **params)
    honest = hiding_trace(prog, x, cms)
    leaves = -(-small_d // chunk_size)
    own = salts = opened_t = unopened = opening = wins = 0
    for g_i in range(games):
        liar = ("proposer", "challenger")[g_i % 2]
        strategy = STRATEGIES[(g_i // 2) % len(STRATEGIES)]
        res, g = play_hiding(prog, x, cms, liar, strategy, np.random.default_rng([seed, g_i]), honest)
        assert g is not None
        wins += int(res.honest_won)
        r = revealed(g)
        per_t = np.zeros(n, dtype=np.int64)
        salted: set[tuple[int, int]] = set()
        for oc in r.chunks:
            per_t[oc.trainer] += len(oc.values)
            if oc.salt:
                salted.add((oc.trainer, oc.j))
        opening += int(per_t.any())
        own = max(own, int(per_t.max()))
        opened_t = max(opened_t, int((per_t > 0).sum()))
        salts = max(salts, max((sum(1 for t, _ in salted if t == u) for u in range(n)), default=0))
        unopened += sum(1 for t in range(n) for j in range(leaves)
                        if (t, j) not in salted and r.contains(cms[t].salt(j)))
    return HidingDisclosure(rule, games, opening, own, salts, opened_t, unopened, own / d, wins)


@dataclass(frozen=True)
class DesignDisclosure:
    """One design of docs/privacy.md ("Designs compared"): per trainer and round, values
    made public by publication and by an aggregation dispute, and what the rest is."""

    design: str
    published_values: int  # per trainer per round, before any dispute
    dispute_values: int  # one trainer's values a dispute opens (worst stage)
    dispute_salts: int
    unopened: str  # what an observer holds about the values no one opened
    fraud_proofs: str
    # set for the committee design only (from :mod:`mechanism.privacy.committee_cost`);
    # None where the caller measures the gas itself (salted leaves: mechanism.evm.hiding_leaf)
    extra_gas_over_salted: float | None = None  # per dispute, on top of the salted one-step of (a)
    extra_calldata_bytes_over_salted: float | None = None
    offchain: str = ""  # extra off-chain work per trainer and per dispute
    data_availability: str = ""  # what the published bytes let whom do


def designs(d: int, plain: Disclosure, hiding: HidingDisclosure,
            committee: CommitteeCost | None = None) -> tuple[DesignDisclosure, ...]:
    """The designs compared, from a measured plain dispute (:func:`aggregation_dispute`)
    and a measured hiding one (:func:`hiding_dispute`) of the same rule:

    * publication: the update is public (data availability), a dispute adds nothing;
    * commitments only, plain leaves: only roots are public, but a dispute's moves carry
      leaf hashes, and a plain leaf of low-entropy values is found by trying them;
    * commitments only, salted leaves: a dispute reveals the opened chunk and its salt;
      every other leaf is hidden by its salt;
    * local DP: the noisy update is public (the fraud proofs run on it unchanged);
    * with ``committee`` (:func:`mechanism.privacy.committee_cost.cost`, from measured
      points), commitments only with each leaf encrypted to a (t, m) committee
      (docs/privacy_committee.md): the salted leaves of (a) whose salts the committee
      reveals leaf by leaf, so a dispute opens what (a) opens; its extra gas is the n
      leaf reveals of the one-step, over (a)'s salted one-step."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ParameterError.bad("d", d, "an integer >= 1")
    if committee is not None and committee.d != d:
        raise ParameterError.bad("committee.d", committee.d, f"the compared model size d = {d}")
    own = plain.own_values_per_dispute
    extra = () if committee is None else (_committee_design(committee, hiding),)
    return (
        DesignDisclosure("publication", d, 0, 0, "public (the whole update)", "unchanged"),
        DesignDisclosure("commitments, plain leaves", 0, own, 0,
                         "leaf hashes: a low-entropy chunk is found by trying its candidates", "unchanged"),
        DesignDisclosure("commitments, salted leaves", 0, hiding.own_values_per_dispute, hiding.salts_per_dispute,
                         "hidden by 256-bit salts" if hiding.unopened_salts_revealed == 0
                         else f"{hiding.unopened_salts_revealed} unopened salts revealed",
                         "salted openings (one-step + n salts)"),
        DesignDisclosure("local DP (published, noisy)", d, 0, 0, "public with Gaussian noise (epsilon, delta)",
                         "unchanged (on the noisy update)"),
        *extra,
    )


def _committee_design(c: CommitteeCost, hiding: HidingDisclosure) -> DesignDisclosure:
    """The committee row (docs/privacy_committee.md): every number from ``c``."""
    t, m = c.threshold, c.members
    return DesignDisclosure(
        f"commitments, encrypted to a committee (t={t} of m={m})", 0, hiding.own_values_per_dispute,
        hiding.salts_per_dispute,
        f"ciphertext: hidden unless {t} of the {m} members collude",
        (f"only readers holding the update keys (sequencer, registered watchers) can recompute and "
         f"challenge; a reader opens with the leaf scalars (+{c.reader_extra_gas_per_dispute:,.0f} gas "
         f"over salted leaves), the committee's public opening needs {t} honest members online "
         f"(+{c.extra_gas_per_dispute:,.0f} gas; its one-step fits one transaction up to "
         f"n = {c.trainers_per_tx_cap})"),
        c.extra_gas_per_dispute, c.extra_calldata_bytes_per_dispute,
        (f"trainer: {c.encrypt_seconds_per_update:.3g} CPU s to encrypt d = {c.d} "
         f"(salted commitment of (a): {c.hiding_commit_seconds_per_update:.3g} s); per opened leaf: "
         f"{c.member_seconds_per_leaf * 1e3:.3g} ms per member, {c.combine_seconds_per_leaf * 1e3:.3g} ms "
         f"to verify and combine {t} shares"),
        (f"ciphertext published: {c.ciphertext_bytes_per_update} bytes per update "
         f"(x{c.expansion:.3f} the plaintext); availability is checked, decryptability is not"),
    )
