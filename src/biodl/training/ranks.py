"""Which process of a multi-process training this is, as its launcher says.

``torchrun`` (one process per device and node) and SLURM's ``srun`` start the same ``biodl``
command in every process of a distributed training (Lightning's ``ddp`` strategy). All of
them train, each on its share of every batch; only the process of global rank 0 writes the
run folder (:func:`biodl.runs.run_directory`). The rank is read from the launcher's
environment, as Lightning reads it: ``RANK`` (torchrun), else ``SLURM_PROCID`` when SLURM
started several tasks.

Examples
--------
>>> launch_rank({"RANK": "1", "WORLD_SIZE": "2"})
1
>>> launch_rank({"SLURM_PROCID": "3", "SLURM_NTASKS": "4"})
3
>>> launch_rank({"SLURM_PROCID": "0", "SLURM_NTASKS": "1"}), launch_rank({})
(0, 0)
>>> try:
...     check_one_process("biodl cv", 2)
... except ConfigError as error:
...     print(str(error).split(":")[0])
biodl cv --num-nodes 2
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from biodl.errors import ConfigError

__all__ = ["check_one_process", "launch_rank"]


def launch_rank(environ: Mapping[str, str] | None = None) -> int:
    """The global rank a launcher gave this process (0 when it runs alone).

    Parameters
    ----------
    environ : mapping, optional
        Default: ``os.environ``.
    """
    env = os.environ if environ is None else environ
    for key in ("RANK", "SLURM_PROCID"):
        value = env.get(key, "")
        if key == "SLURM_PROCID" and int(env.get("SLURM_NTASKS", "1") or 1) < 2:
            continue
        if value.strip().isdigit():
            return int(value)
    return 0


def check_one_process(command: str, num_nodes: int) -> None:
    """Refuse ``--num-nodes`` above 1 for a command that cannot spread over nodes.

    ``cv`` and ``tune`` run their trainings one after another in one process, and ``--resume``
    continues from checkpoints that only rank 0 wrote, so none of them can run as one process
    of a multi-node training.

    Raises
    ------
    ConfigError
        When ``num_nodes`` > 1, naming the command and what to use instead.
    """
    if num_nodes > 1:
        raise ConfigError(
            f"{command} --num-nodes {num_nodes}: {command} runs its trainings one after another "
            "in one process and cannot be spread over nodes; use --num-nodes 1 (docs/scale.md: "
            "biodl train across nodes, biodl tune --storage URL to share a search)"
        )
