"""``orfl recommend``: protocol parameters that make fraud unprofitable, with reasons.

Heavy imports stay inside the command (``orfl --help`` stays fast); the logic lives in
:mod:`mechanism.economics.recommend`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

from analyses.commands._common import (
    MARKET,
    OUTPUT,
    PROTOCOL,
    SCENARIO,
    arrange,
    bad_input,
    emit_json,
    examples,
    fmt,
    parse_csv,
)

RANGE_OPTIONS = ("value_at_stake_usd", "gas_price_gwei", "eth_price_usd", "censor_fraction")

#: Help panels of the options (analyses.commands._common.arrange).
PANELS = {
    **dict.fromkeys(("config", "model_size", "trainers", "malicious_fraction", "challengers", "value_at_stake_usd",
                     "censor_fraction", "reexec_seconds", "rounds_per_day", "poisoning_gain_share",
                     "trainer_tenure_days", "non_iid_alpha", "attacker_budget_eth", "threat_model",
                     "privacy_epsilon"), SCENARIO),
    **dict.fromkeys(("gas_price_gwei", "eth_price_usd", "interest_rate"), MARKET),
    **dict.fromkeys(("target_fraud_probability", "dispute_gas", "resource_ratio", "jackpot_eth",
                     "response_buffer_hours", "move_clock_hours", "max_period_hours", "rule", "tolerance_table",
                     "training_proofs"), PROTOCOL),
    **dict.fromkeys(("no_sensitivity", "json_out", "output"), OUTPUT),
}

EXAMPLES = examples(
    ("orfl recommend", "the default scenario, robust over the documented market ranges"),
    ("orfl recommend --non-iid-alpha 100 --json -o design.json",
     "near-IID data; write the design for orfl simulate/abm --design"),
    ("orfl recommend --gas-price-gwei 5,50 --value-at-stake-usd 1000000 --threat-model default",
     "another market and gain, under the documented threat model"),
    ("orfl recommend --privacy-epsilon 1000 --json",
     "trainers add local-DP noise (epsilon 1000 over a run): the tolerance measured at that epsilon"),
)


def _range(name: str, text: str | None) -> list[float] | None:
    if text is None:
        return None
    vals = parse_csv(f"--{name.replace('_', '-')}", text, float)
    if len(vals) > 2:
        bad_input(f"--{name.replace('_', '-')}", text, "one value or LOW,HIGH")
    return vals


def register(app: typer.Typer) -> None:
    @app.command("recommend", epilog=EXAMPLES)
    def recommend_cmd(
        config: Path | None = typer.Option(None, "--config", help="TOML file with any of the options below (snake_case keys; ranges as two-element arrays)."),
        model_size: int | None = typer.Option(None, "--model-size", help="Model parameters d. (default 1000000)"),
        trainers: int | None = typer.Option(None, "--trainers", help="Registered trainers n. (default 50)"),
        malicious_fraction: float | None = typer.Option(None, "--malicious-fraction", help="Expected malicious fraction of trainers. (default 0.1)"),
        challengers: int | None = typer.Option(None, "--challengers", help="Independent potential challengers m. (default 10)"),
        value_at_stake_usd: str | None = typer.Option(None, "--value-at-stake-usd", help="Attacker's gain if a wrong aggregate finalises, USD: V or LOW,HIGH. (default 500000,2000000)"),
        gas_price_gwei: str | None = typer.Option(None, "--gas-price-gwei", help="L1 gas price range, gwei. (default 1,100)"),
        eth_price_usd: str | None = typer.Option(None, "--eth-price-usd", help="ETH price range, USD. (default 1500,8000)"),
        censor_fraction: str | None = typer.Option(None, "--censor-fraction", help="Fraction q of censoring block proposers (range). (default 0,0.5)"),
        target_fraud_probability: float | None = typer.Option(None, "--target-fraud-probability", help="Largest acceptable probability that a fraud finalises. (default 1e-6)"),
        interest_rate: float | None = typer.Option(None, "--interest-rate", help="Opportunity cost of locked capital, 1/year. (default 0.05)"),
        reexec_seconds: float | None = typer.Option(None, "--reexec-seconds", help="Off-chain re-execution time of one round, s (default: measured, mechanism/data/reexecution.json)"),
        dispute_gas: float | None = typer.Option(None, "--dispute-gas", help="Gas per side of one dispute. (default: the rule's dispute-gas model)"),
        resource_ratio: float | None = typer.Option(None, "--resource-ratio", help="BoLD resource ratio rho: bonds >= rho x dispute cost. (default 10)"),
        jackpot_eth: float | None = typer.Option(None, "--jackpot-eth", help="Forced-error jackpot J, ETH. (default 0.1)"),
        response_buffer_hours: float | None = typer.Option(None, "--response-buffer-hours", help="Operators' response buffer in the period, h. (default 2)"),
        move_clock_hours: float | None = typer.Option(None, "--move-clock-hours", help="Per-move clock of the dispute game, h. (default 1)"),
        max_period_hours: float | None = typer.Option(None, "--max-period-hours", help="Longest acceptable challenge period, h. (default 720)"),
        rounds_per_day: float | None = typer.Option(None, "--rounds-per-day", help="Assertions per day (for yearly cost). (default 24)"),
        poisoning_gain_share: float | None = typer.Option(None, "--poisoning-gain-share", help="Share of the value at stake a Sybil poisoner captures; 0 ignores Sybil poisoning. (default 1)"),
        trainer_tenure_days: float | None = typer.Option(None, "--trainer-tenure-days", help="Honest trainers' tenure over which the registration fee is amortised, days. (default 365)"),
        rule: str | None = typer.Option(None, "--rule", help="Force an aggregation rule instead of recommending one."),
        tolerance_table: Path | None = typer.Option(None, "--tolerance-table", help="Tolerance table: the output of `orfl tolerance` (measured), or a hand-made JSON {rule: tolerance} / CSV rule,tolerance (user). (default: the shipped measured table)"),
        non_iid_alpha: float | None = typer.Option(None, "--non-iid-alpha", help="Trainers' data heterogeneity as a Dirichlet concentration (smaller = more heterogeneous); the table's worst case at the largest measured alpha <= this is used. (default: the most heterogeneous measured)"),
        attacker_budget_eth: float | None = typer.Option(
            None, "--attacker-budget-eth",
            help="ETH the attacker spends on one fraud whatever its gain (stuffing, bribes, lost bonds, "
                 "sub-challenges); the design holds against max(gain, budget). Overrides the threat file's "
                 "[attacker] attacker_budget_eth. (default: none, a gain-bounded attacker)"),
        privacy_epsilon: float | None = typer.Option(
            None, "--privacy-epsilon",
            help="Local differential privacy of each honest trainer: epsilon (dimensionless, over a whole training "
                 "run, at the privacy table's delta 1e-5) of the Gaussian noise it adds; the tolerance is the one "
                 "measured at this epsilon (mechanism/data/tolerance_privacy.json; one of its measured epsilons, "
                 "inf = no noise). Rules that learn nothing at it are not recommended. (default: no local DP)"),
        training_proofs: bool = typer.Option(
            False, "--training-proofs",
            help="Trainers' updates are checked by training fraud proofs: the tolerance is the table's proof_checked "
                 "setting (data poisoning only) and the trainer stake pays for a training dispute (measured gas). "
                 "(default: off, validity predicates only)"),
        no_sensitivity: bool = typer.Option(False, "--no-sensitivity", help="Skip the +10% sensitivity analysis."),
        threat_model: str | None = typer.Option(
            None, "--threat-model",
            help="TOML threat model (docs/threats.example.toml), or 'default' for the documented defaults "
                 "(strong censorship, L1 outages, watcher availability). Without it the period and clocks are "
                 "checked under the design's own censorship assumption only."),
        json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
        output: Path | None = typer.Option(None, "-o", "--output",
                                           help="Also write the recommended design (JSON) here, for `orfl simulate --design` and `orfl abm --design`."),
    ) -> None:
        """Recommend challenge period, bonds, reward share, trainer stake, jackpot rate and
        aggregation rule, robust over the gas/ETH price, gain and censorship ranges."""
        if attacker_budget_eth is not None and not (math.isfinite(attacker_budget_eth) and attacker_budget_eth >= 0):
            bad_input("--attacker-budget-eth", attacker_budget_eth,
                      "a finite amount of ETH >= 0 (omit it for a gain-bounded attacker)")
        if privacy_epsilon is not None and not privacy_epsilon > 0:  # NaN fails too
            bad_input("--privacy-epsilon", privacy_epsilon, "a local-DP epsilon > 0 (inf = no noise)")
        from mechanism.economics import recommend as rec
        from mechanism.economics.tolerance import load_tolerance_table
        from mechanism.errors import ParameterError

        values: dict[str, Any] = rec.load_config(config) if config is not None else {}
        table_path = values.pop("tolerance_table", None)
        if tolerance_table is not None:
            table_path = tolerance_table
        flags: dict[str, Any] = {
            "model_size": model_size, "trainers": trainers, "malicious_fraction": malicious_fraction,
            "challengers": challengers, "target_fraud_probability": target_fraud_probability,
            "interest_rate_per_year": interest_rate, "reexec_seconds": reexec_seconds,
            "dispute_gas_per_side": dispute_gas, "resource_ratio": resource_ratio, "jackpot_eth": jackpot_eth,
            "response_buffer_hours": response_buffer_hours, "move_clock_hours": move_clock_hours,
            "max_period_hours": max_period_hours, "rounds_per_day": rounds_per_day, "rule": rule,
            "poisoning_gain_share": poisoning_gain_share, "trainer_tenure_days": trainer_tenure_days,
            "non_iid_alpha": non_iid_alpha, "attacker_budget_eth": attacker_budget_eth,
            "training_proofs": True if training_proofs else None, "privacy_epsilon": privacy_epsilon,
        }
        for name, text in zip(RANGE_OPTIONS, (value_at_stake_usd, gas_price_gwei, eth_price_usd, censor_fraction), strict=True):
            flags[name] = _range(name, text)
        values.update({k: v for k, v in flags.items() if v is not None})
        try:
            inputs = rec.inputs_from_mapping(values, "config" if config is not None else "option")
            table = load_tolerance_table(table_path, inputs.non_iid_alpha, setting=rec.tolerance_setting(inputs),
                                         epsilon=inputs.privacy_epsilon)
            rec.training_dispute_gas(inputs)  # a missing or malformed measured file is an input error
            threats = _threats(threat_model)
        except ParameterError as exc:
            typer.echo(f"orfl: error: {exc}", err=True)
            raise typer.Exit(code=2) from None
        if output is not None and (output.is_dir() or not output.parent.is_dir()):
            bad_input("--output", str(output), "a file path in an existing folder")
        _usable_at_epsilon(table, rec.rules_with_dispute_gas())
        result = rec.recommend(inputs, table, with_sensitivity=not no_sensitivity, user_inputs=frozenset(values),
                               threats=threats)
        data = result.to_dict()
        if output is not None:
            result.as_design().save(output)
        if json_out:
            emit_json(data)
            return
        _print(data)

    arrange(recommend_cmd, PANELS)


def _usable_at_epsilon(table: Any, rules: tuple[str, ...]) -> None:
    """InfeasibleError (exit 1) when a privacy epsilon leaves no rule usable, with each rule's reason."""
    import math

    from mechanism.errors import InfeasibleError

    if math.isinf(table.epsilon) or any(table.missing_reason(r) is None for r in rules):
        return
    raise InfeasibleError(f"no aggregation rule is usable at privacy_epsilon={table.epsilon:g} ("
                          + "; ".join(f"{r}: {table.missing_reason(r)}" for r in rules) + ")")


def _threats(spec: str | None) -> Any:
    """The ``--threat-model`` argument: None, the documented defaults, or a TOML file."""
    from mechanism.economics.threats import ThreatModel, load_threat_model

    if spec is None:
        return None
    if spec == "default":
        return ThreatModel()
    return load_threat_model(spec)


def _print(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"orfl recommend — aggregation rule: {data['aggregation_rule']} "
                        f"(tolerance {data['aggregation']['tolerance']:g})")
    for col in ("parameter", "value", "≈", "binding constraint", "most sensitive to (+10%)"):
        table.add_column(col, overflow="fold")
    sens = data["sensitivity_to_10pct_increase"]
    for p in data["parameters"]:
        s = {k: v for k, v in sens.get(p["name"], {}).items() if v is not None}
        top = max(s.items(), key=lambda kv: abs(kv[1]), default=None)
        top_txt = f"{top[0]} ({top[1]:+.1%})" if top and abs(top[1]) > 0 else "—"
        alt = float(p["alt_value"])
        val = p["value"]
        vtxt = f"{val:,.4g}" if isinstance(val, float) else fmt(val)
        table.add_row(p["name"], f"{vtxt} {p['unit']}", f"{alt:,.4g} {p['alt_unit']}",
                      p["binding_constraint"], top_txt)
    console.print(table)
    c = data["cost"]
    bd = data["period_breakdown_blocks"]
    console.print(
        f"period = detect {bd['detect_blocks']} + dispute {bd['dispute_blocks']} + censorship {bd['censor_blocks']} "
        f"+ buffer {bd['buffer_blocks']} = {bd['total_blocks']} blocks")
    tw, lat = data["trainer_challenge_window"], data["round_latency"]
    if tw is not None:
        console.print(f"trainer challenge window = {tw['window_blocks']} blocks (binding: {tw['binding_threat']}; "
                      f"P(invalid update escapes) <= {tw['escape_probability']:.3g})")
    console.print(f"round latency = publication {lat['publication_window_blocks']} + trainer window "
                  f"{lat['trainer_challenge_window_blocks']} + period {lat['challenge_period_blocks']} = "
                  f"{lat['total_blocks']} blocks ({lat['total_hours']:.4g} h; at most {lat['max_rounds_per_day']:.3g} "
                  "rounds/day)")
    dl = data["delay_attack"]
    if dl:
        console.print(f"delay attack: spending {fmt(dl['attacker_spend_eth'])} ETH buys {fmt(dl['sub_challenges'])} "
                      f"sub-challenges; the defender needs {fmt(dl['defender_funds_needed_eth'])} ETH of gas; worst "
                      f"confirmation {fmt(dl['worst_confirmation_blocks'])} blocks")
    br, sy = data["bribery"], data["sybil"]
    console.print(f"bribery: bribing all {br['challengers']} challengers costs {fmt(br['bribe_all_cost_eth'])} ETH "
                  f"vs the attacker's largest spend {fmt(br['attacker_spend_eth'])} ETH; Sybil: {sy['identities_needed']} identities cost "
                  f"{fmt(sy['attack_cost_eth'])} ETH vs poisoning gain {fmt(sy['poisoning_gain_eth'])} ETH")
    console.print(f"total cost: {fmt(c['total_eth_per_assertion'])} ETH/assertion "
                  f"(≈ {fmt(c['total_usd_per_assertion'])} USD; {fmt(c['total_usd_per_year'])} USD/year)")
    tol = data["inputs"]["tolerance"]
    where = f"{tol['source']} table {tol['file']} (sha256 {tol['sha256'][:12]}…)"
    if tol.get("non_iid_alpha") is not None:
        where += f", alpha {tol['non_iid_alpha']:g}, worst attack {tol.get('worst_attack')}"
    where += f", setting {tol.get('setting')}"
    if isinstance(tol.get("privacy_epsilon"), (int, float)) and math.isfinite(tol["privacy_epsilon"]):
        where += (f", local-DP epsilon {tol['privacy_epsilon']:g} (accountant {tol.get('epsilon_accountant', 0):.4g}, "
                  f"delta {tol.get('privacy_delta')}, noise multiplier {tol.get('noise_multiplier', 0):.3g})")
        ca = tol.get("clean_accuracy")
        if ca and ca.get("at_epsilon") and ca.get("without_noise"):
            where += (f"; clean accuracy of {ca['rule']} {ca['at_epsilon']['mean']:.3f} at epsilon vs "
                      f"{ca['without_noise']['mean']:.3f} without noise")
    console.print(f"tolerance: {where}")
    tg = data["inputs"].get("training_dispute_gas")
    if tg is not None:
        console.print(f"training dispute: {fmt(tg['value'])} gas at d = {fmt(tg['model_size'])} (measured, "
                      f"{tg['file']}, sha256 {tg['sha256'][:12]}…" + ("; extrapolated in log2 d)" if tg["extrapolated"] else ")"))
    for m in data["aggregation"]["missing"]:
        console.print(f"[yellow]not recommendable:[/yellow] {m['rule']}: {m['reason']}")
    for w in data["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {w}")
