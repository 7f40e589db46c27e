"""CommitteeReveal.vy agrees with the Python reference on valid and forged shares, and the
shipped gas points are what the contract measures today."""

from __future__ import annotations

import numpy as np
import pytest

from mechanism.errors import CommitmentError
from mechanism.privacy import committee as cm

pytestmark = pytest.mark.evm


def _python_accepts(inst: object, shares: list[cm.DecryptionShare], values: np.ndarray) -> bool:
    from mechanism.evm.committee import Instance

    assert isinstance(inst, Instance)
    try:
        shared = cm.reveal(inst.committee, inst.header, shares)
    except CommitmentError:
        return False
    return len(shares) == inst.committee.threshold and cm.leaf_salt(inst.j, shared) is not None and (
        cm.salted_leaf(inst.j, cm.leaf_salt(inst.j, shared), values) == inst.enc.leaves[inst.j])


def test_contract_agrees_with_the_reference_on_valid_and_forged_shares() -> None:
    import boa

    from mechanism.evm.committee import accepts, deploy, instance, open_leaf, share_args

    inst = instance(3, 5, chunk=16, seed=4)
    s0, s1, s2 = inst.shares
    forged = {
        "valid": list(inst.shares),
        "share moved": [cm.DecryptionShare(s0.index, cm.add(s0.share, cm.G), s0.c, s0.z), s1, s2],
        "wrong response": [cm.DecryptionShare(s0.index, s0.share, s0.c, (s0.z + 1) % cm.Q), s1, s2],
        "wrong challenge": [s0, cm.DecryptionShare(s1.index, s1.share, (s1.c + 7) % cm.Q, s1.z), s2],
        "claimed by another member": [cm.DecryptionShare(6 - s0.index if s0.index != 3 else 1, s0.share, s0.c, s0.z),
                                      s1, s2],
        "duplicate member": [s0, s0, s2],
        "t - 1 shares": [s0, s1],
    }
    with boa.swap_env(boa.Env()):
        c = deploy(inst.committee)
        for name, shares in forged.items():
            py = _python_accepts(inst, shares, inst.values)
            args = None
            if name == "duplicate member":  # the inverses of a duplicated set do not exist: send 1s
                args = [(s.index, list(s.share), s.c, s.z, 1) for s in shares]  # type: ignore[arg-type]
            evm = accepts(c, inst.j, inst.header, shares, inst.values, inst.enc.leaves[inst.j], args)
            assert evm == py, name
            assert evm == (name == "valid"), name
        salt, _ = open_leaf(c, inst.j, inst.header, inst.shares, inst.values, inst.enc.leaves[inst.j])
        assert salt == cm.leaf_salt(inst.j, cm.reveal(inst.committee, inst.header, list(inst.shares)))
        wrong_values = inst.values.copy()
        wrong_values[0] += 1
        assert not accepts(c, inst.j, inst.header, inst.shares, wrong_values, inst.enc.leaves[inst.j])
        bad_inv = share_args(inst.shares)
        bad_inv[1] = (*bad_inv[1][:4], (bad_inv[1][4] + 1) % cm.Q)
        assert not accepts(c, inst.j, inst.header, inst.shares, inst.values, inst.enc.leaves[inst.j], bad_inv)
        other = cm.decompress(inst.enc.headers[0])  # the shares of leaf 1 do not open leaf 0's header
        assert not accepts(c, inst.j, other, inst.shares, inst.values, inst.enc.leaves[inst.j])


def _column_args() -> tuple[int, int, int, int, int]:
    import json

    from mechanism.privacy.committee_cost import SHIPPED

    raw = json.loads(SHIPPED.read_text())
    g = raw["column_geometry"]
    return int(g["members"]), int(g["d"]), int(g["chunk"]), int(g["arity"]), int(raw["provenance"]["seed"])


def test_shipped_gas_points_are_reproduced_by_the_contract() -> None:
    from mechanism.evm.committee import measure, measure_baselines, measure_column
    from mechanism.privacy.committee_cost import load

    m = load()
    rows = {int(r["threshold"]): r for r in m.gas_rows}
    prov = m.provenance
    args = (int(prov["members"]), int(prov["chunk"]), int(prov["seed"]))
    for t in (1, max(rows)):
        g = measure((t,), *args)[0]
        assert (g.exec_gas, g.total_gas, g.calldata_bytes) == (
            rows[t]["exec_gas"], rows[t]["total_gas"], rows[t]["calldata_bytes"])
    salted, reader = measure_baselines(*args)
    first = min((r for r in m.column_rows if r["path"] == "committee"), key=lambda r: (r["n"], r["threshold"]))
    shares, _ = measure_column(int(first["n"]), int(first["threshold"]), *_column_args())
    assert (shares.exec_gas, shares.total_gas, shares.calldata_bytes) == (
        first["exec_gas"], first["total_gas"], first["calldata_bytes"])
    for g, r in ((salted, m.salted_gas), (reader, m.reader_gas)):
        assert (g.exec_gas, g.total_gas, g.calldata_bytes) == (r["exec_gas"], r["total_gas"], r["calldata_bytes"])


def test_a_reader_opens_with_the_leaf_scalar_and_a_wrong_scalar_reverts() -> None:
    import boa

    from mechanism.evm.committee import accepts, deploy, instance, open_leaf_with_scalar

    inst = instance(2, 4, chunk=8, seed=5)
    leaf = inst.enc.leaves[inst.j]
    with boa.swap_env(boa.Env()):
        c = deploy(inst.committee)
        salt, _ = open_leaf_with_scalar(c, inst.j, inst.scalar, inst.values, leaf)
        assert salt == cm.leaf_salt(inst.j, cm.mul(inst.committee.public_key, inst.scalar))  # type: ignore[arg-type]
        assert accepts(c, inst.j, inst.header, inst.shares, inst.values, leaf)
        with pytest.raises(Exception, match="leaf"):
            open_leaf_with_scalar(c, inst.j, inst.scalar + 1, inst.values, leaf)


def test_one_step_input_check_with_shares_and_with_reader_scalars() -> None:
    import boa

    from mechanism.evm.committee import column_instance, deploy, open_column, share_args

    inst = column_instance(3, 2, 4, d=200, chunk=8, arity=4, seed=6)
    with boa.swap_env(boa.Env()):
        c = deploy(inst.committee, inst.root, 3, 200, 8, 4)
        assert open_column(c, inst).exec_gas > 0
        assert open_column(c, inst, by_readers=True).exec_gas > 0
        from dataclasses import replace

        s0 = inst.shares[1][0]
        bad = replace(inst, shares=(inst.shares[0], (cm.DecryptionShare(s0.index, cm.add(s0.share, cm.G), s0.c, s0.z),
                                                     inst.shares[1][1]), inst.shares[2]))
        assert not cm.verify_share(inst.committee.verification_keys[s0.index - 1], inst.headers[1], bad.shares[1][0])
        with pytest.raises(Exception, match="dleq"):
            open_column(c, bad)
        swapped = replace(inst, headers=(inst.headers[1], inst.headers[0], inst.headers[2]),
                          shares=(inst.shares[1], inst.shares[0], inst.shares[2]))
        with pytest.raises(Exception, match="column"):  # valid shares of the wrong trainers' leaves
            open_column(c, swapped)
        with pytest.raises(Exception, match="column"):
            open_column(c, replace(inst, scalars=(inst.scalars[0], inst.scalars[1] + 1, inst.scalars[2])), True)
        assert len(share_args(inst.shares[0])) == 2
