"""HidingLeaf.vy: salted openings under a column leaf, against plain ones, in the EVM."""

from __future__ import annotations

import pytest

from mechanism.privacy.hiding import SALT_BYTES

pytestmark = pytest.mark.evm


def test_salted_and_plain_openings_verify_and_cross_checks_revert() -> None:
    import boa

    from mechanism.evm.hiding_leaf import deploy, instance, open_call

    n, d, c, k = 5, 70, 4, 4
    inst = instance(n, d, c, k, seed=3)
    with boa.swap_env(boa.Env()):
        salted = deploy(inst.salted_root, n, d, c, k)
        plain = deploy(inst.plain_root, n, d, c, k)
        assert open_call(salted, inst, True).exec_gas > 0
        assert open_call(plain, inst, False).exec_gas > 0
        with pytest.raises(Exception, match="column"):  # plain leaves do not open a salted column
            open_call(salted, inst, False)
        with pytest.raises(Exception, match="column"):
            open_call(plain, inst, True)
        wrong = list(inst.salts)
        wrong[2] = inst.salts[1]  # another trainer's salt
        with pytest.raises(Exception, match="column"):
            open_call(salted, inst, True, wrong)
        with pytest.raises(Exception, match="salts"):
            open_call(salted, inst, True, inst.salts[:-1])


def test_reference_geometry_extra_gas_is_the_salts() -> None:
    from mechanism.evm.hiding_leaf import measure
    from mechanism.units import calldata_gas

    g = measure()  # n = 50, d = 1e6, chunk 16, arity 16
    assert g.depth == 4
    # the salts: n words plus the dynamic array's offset and length
    assert g.extra_calldata_bytes == g.n * SALT_BYTES + 64
    # execution: at least one more SHA-256 word per leaf (161 -> 193 bytes: 6 -> 7 words; the
    # precompile charges 12 gas per word, Ethereum Yellow Paper, Appendix E)
    assert g.extra_exec_gas >= 12 * g.n
    assert g.extra_gas > g.extra_exec_gas  # the calldata of the salts dominates
    assert g.extra_gas <= g.extra_exec_gas + calldata_gas(b"\xff" * g.extra_calldata_bytes)
    assert 0 < g.extra_fraction < 0.5
    assert g.salted.total_gas_eip7623 >= g.salted.total_gas
