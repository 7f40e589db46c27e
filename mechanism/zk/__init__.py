"""Zero-knowledge proofs of the aggregation one-step (docs/cost.md, 'ZK one-step').

Contents: ``circuits`` (the one-step of mean, median and trimmed mean of n values of one
chunk as a small torch module exported to ONNX: a Batcher sorting network of min/max
compare-exchanges, exact integer sums), ``prover`` (the proving pipeline with a locally
generated SRS: settings, circuit, setup, witness, prove, verify, timed), ``evm_verifier``
(the generated Solidity verifier compiled and executed in py-evm for its gas).

The proving backend is optional: importing this package does not import it.
"""
