"""Out-of-core aggregation, commitments and the challenger's side of a dispute.

Updates live in an (n, d) int64 ``.npy`` file (:mod:`.store`); every pass reads one
coordinate block of all n rows at a time, so peak memory is set by the block size, not by
d (issue 18, item 5). Results and Merkle roots equal the in-memory path bit for bit:

* :mod:`.merkle`    -- row, column and stage trees built block by block (levels 0 and 1
  recomputed on demand from the file, levels >= 2 kept: ``32 d / (C k^2)`` bytes a tree);
* :mod:`.aggregate` -- coordinate-wise rules (mean, median, trimmed mean) block by block;
* :mod:`.dispute`   -- the trace of a coordinate rule's program and a whole game, opening
  only the paths the game visits;
* :mod:`.krum_dispute` -- the same for the Krum family (krum, multi_krum, bulyan): trace
  in three passes (trees and max, exact Gram sums, output), the game with file-backed
  provers (:mod:`.krum_prover`: block-wise tie-breaks, max witness, item deltas; a disputed
  item's sum tree built block by block, :mod:`.sumtree`);
* :mod:`.cluster`   -- the same per-block work as Dask tasks (dask is imported only there,
  and only when called).
"""

from mechanism.outofcore.aggregate import aggregate_file
from mechanism.outofcore.dispute import outofcore_trace, play_file
from mechanism.outofcore.krum_dispute import play_selection_file, selection_trace
from mechanism.outofcore.merkle import commit_file
from mechanism.outofcore.store import UpdateFile, create_updates, write_updates

__all__ = ["UpdateFile", "aggregate_file", "commit_file", "create_updates", "outofcore_trace", "play_file",
           "play_selection_file", "selection_trace", "write_updates"]
