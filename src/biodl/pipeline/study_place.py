"""Where a tuning study lives: its own SQLite file, or a database shared by several processes.

``biodl tune`` keeps its Optuna study in ``OUT/study.db`` unless ``--storage URL`` names a
database that several ``biodl tune`` processes share (``sqlite:///PATH.db`` for processes on
one machine, ``postgresql://USER:PASSWORD@HOST/DB`` for processes on several). In a shared
study:

- each process runs its own ``--trials`` (as Optuna's ``study.optimize(n_trials=N)`` does in
  each process), so the study ends with the sum; every trial is tagged with the process that
  ran it (the trial's user attribute ``biodl.process``), which is how ``--resume`` of one
  process's ``OUT`` counts that process's trials only;
- the study name is ``--study-name`` or, by default, derived from the sha256 of the input
  files, and the study records what defines the search (:func:`search_signature`): a process
  whose inputs, space, search, cv or monitor differ is refused, so two different searches never
  mix, even when started at the same moment (only the process that created the study writes
  the record, :func:`create_or_join`);
- trials of a process that died are marked failed by Optuna's heartbeat (a trial silent for
  :data:`GRACE_SECONDS`), never those of live processes;
- a process that ends its trials waits for the trials the other registered processes still
  owe (:func:`wait_for_others`), then writes the report of the union into its ``OUT``.

Examples
--------
>>> place = StudyPlace.local(__import__("pathlib").Path("/tmp/t"))
>>> place.url, place.shared
('sqlite:////tmp/t/study.db', False)
>>> describe_url("postgresql://me:secret@db.lab/biodl")
'postgresql://me:***@db.lab/biodl'
>>> default_study_name("0" * 64)
'biodl-tune-0000000000000000'
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from biodl.errors import ConfigError
from biodl.run_log import say

__all__ = [
    "GRACE_SECONDS",
    "LOCAL_STUDY_NAME",
    "PROCESS_ATTR",
    "SIGNATURE_ATTR",
    "StudyPlace",
    "TaggedObjective",
    "check_signature",
    "create_or_join",
    "default_study_name",
    "describe_url",
    "process_trials",
    "register_process",
    "search_signature",
    "wait_for_others",
]

#: The study name inside ``OUT/study.db`` (a study of its own).
LOCAL_STUDY_NAME = "biodl-tune"
#: Trial user attribute naming the process that ran it.
PROCESS_ATTR = "biodl.process"
#: Study user attribute recording what defines the search.
SIGNATURE_ATTR = "biodl.signature"
_PROCESS_PREFIX = "biodl.process."
#: Seconds between heartbeats of a running trial in a shared study.
HEARTBEAT_SECONDS = 10
#: A running trial without a heartbeat for this long belongs to a dead process: failed.
GRACE_SECONDS = 60
_SCHEMES = ("sqlite", "postgresql", "mysql")
_FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def describe_url(url: str) -> str:
    """``url`` with its password hidden, for messages and ``tune.json``."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def default_study_name(input_digest: str) -> str:
    """The study name derived from the inputs' sha256 (two different inputs never mix)."""
    return f"biodl-tune-{input_digest[:16]}"


@dataclass(frozen=True)
class StudyPlace:
    """Where a study lives and which process adds trials to it.

    Attributes
    ----------
    url : str
        SQLAlchemy URL of the Optuna storage.
    name : str
        The study name in that storage.
    process : str
        This process's id (kept in ``OUT/tune.json``, so ``--resume`` keeps it); '' locally.
    shared : bool
        True for ``--storage`` (several processes may add trials).
    """

    url: str
    name: str
    process: str = ""
    shared: bool = False

    @classmethod
    def local(cls, out: Path) -> StudyPlace:
        """The study of its own in ``OUT/study.db``."""
        return cls(f"sqlite:///{(out / 'study.db').resolve()}", LOCAL_STUDY_NAME)

    @classmethod
    def shared_at(cls, url: str, name: str, process: str) -> StudyPlace:
        """A study in the database ``url`` (checked: one line and exit 2 when it is unusable)."""
        scheme = url.split(":", 1)[0].split("+", 1)[0] if "://" in url else ""
        if scheme not in _SCHEMES:
            raise ConfigError(
                f"--storage {describe_url(url)}: expected a database URL, sqlite:///PATH.db for "
                "one machine or postgresql://USER:PASSWORD@HOST/DB for several"
            )
        if scheme == "sqlite":
            folder = Path(url.split(":///", 1)[-1]).parent
            if not folder.is_dir():
                raise ConfigError(
                    f"--storage {url}: the folder {folder} does not exist; create it or give "
                    "another path"
                )
        place = cls(url, name, process, shared=True)
        place.storage()  # connect now: a bad host, driver or password fails before any trial
        return place

    def storage(self) -> Any:
        """The Optuna storage (SQLite waits on a locked file; a shared one has heartbeats)."""
        import optuna

        kwargs: dict[str, Any] = {}
        if self.url.startswith("sqlite"):
            kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
        if self.shared:
            kwargs.update(heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS)
        for attempt in range(5):
            try:
                with warnings.catch_warnings():  # heartbeats are 'experimental' since Optuna 2.9
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    return optuna.storages.RDBStorage(self.url, **kwargs)
            except Exception as error:  # a missing driver, an unreachable host, a bad password
                # Processes started together race to create the tables: the loser retries.
                if _race(error) and attempt < 4:
                    time.sleep(0.5 + attempt)
                    continue
                failure = error
                break
        raise _unusable(self.url, failure) from None


def _race(error: Exception) -> bool:
    """Whether ``error`` comes from another process creating the same tables at the same time."""
    text = str(error).lower()
    return type(error).__name__ == "IntegrityError" or any(
        word in text for word in ("already exists", "unique constraint", "duplicate", "locked")
    )


def _unusable(url: str, error: Exception) -> ConfigError:
    """The one-line error of a storage that cannot be opened."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return ConfigError(
        f"--storage {describe_url(url)}: cannot open the database "
        f"({type(error).__name__}: {first[:160]}); check the URL, the server and its "
        "driver (postgresql:// needs psycopg: pip install 'biodl[postgres]')"
    )


def search_signature(
    input_digest: str, search: str, space: dict[str, Any], cv: int, monitor: str
) -> dict[str, Any]:
    """What defines a search: processes sharing a study must agree on all of it."""
    return {
        "input_sha256": input_digest,
        "search": search,
        "space": space,
        "cv": cv,
        "monitor": monitor,
    }


def create_or_join(
    create: Callable[[bool], Any],
    signature: dict[str, Any],
    *,
    wait: float = 60.0,
    poll: float = 0.5,
) -> Any:
    """Create the shared study and record its search, or join it and check the search.

    ``create(load_if_exists)`` is :func:`optuna.create_study` with this study's arguments.
    Creating a study of a given name succeeds in exactly one process (the storage refuses a
    second study of that name): that process, and only it, records ``signature`` in the study
    (user attribute :data:`SIGNATURE_ATTR`). Every other process loads the study, waits up to
    ``wait`` seconds for the creator's record and compares (:func:`check_signature`). So two
    processes started together with different searches never both run: the record is never
    overwritten, and the process that did not create the study is refused.

    Raises
    ------
    ConfigError
        As :func:`check_signature`.
    """
    import optuna

    try:
        study = create(False)
    except optuna.exceptions.DuplicatedStudyError:
        study = create(True)
    else:
        study.set_user_attr(SIGNATURE_ATTR, signature)
        return study
    check_signature(study, signature, wait=wait, poll=poll)
    return study


def check_signature(
    study: Any, signature: dict[str, Any], *, wait: float = 60.0, poll: float = 0.5
) -> None:
    """Refuse to join a study whose recorded search differs from ``signature``.

    The record is the one the study's creator wrote (:func:`create_or_join`); it is waited for
    up to ``wait`` seconds (the creator writes it just after creating the study).

    Raises
    ------
    ConfigError
        Naming the first field that differs (``input_sha256``, ``search``, ``space``, ``cv``
        or ``monitor``); a study that records no search after ``wait`` seconds (made by
        another program, or its creator stopped at once).
    """
    deadline = time.monotonic() + wait
    while (before := study.user_attrs.get(SIGNATURE_ATTR)) is None:
        if time.monotonic() >= deadline:
            raise ConfigError(
                f"study {study.study_name}: it records no biodl search (made by another "
                "program, or the process that created it stopped at once); give another "
                "--study-name"
            )
        time.sleep(poll)
    if not isinstance(before, dict):
        before = {}
    for key, value in signature.items():
        if before.get(key) != value:
            shown = str(before.get(key))[:40], str(value)[:40]
            raise ConfigError(
                f"study {study.study_name}: its {key} is {shown[0]}, this process has "
                f"{shown[1]}; processes sharing a study must run the same search (give "
                "another --study-name for a different one)"
            )


def register_process(study: Any, process: str, trials: int, record: dict[str, Any]) -> None:
    """Note in the study that ``process`` will run ``trials`` trials (others wait for them)."""
    study.set_user_attr(_PROCESS_PREFIX + process, {**record, "trials": trials})


def process_trials(trials: list[Any], process: str) -> int:
    """How many of ``trials`` ``process`` ran to an end (complete, pruned or failed)."""
    return sum(
        t.user_attrs.get(PROCESS_ATTR) == process and t.state.name in _FINISHED for t in trials
    )


def wait_for_others(
    study: Any, process: str, *, poll: float = 2.0, idle: float = 20.0, show: bool = True
) -> None:
    """Wait until the other registered processes ran the trials they owe, or went silent.

    Stops when every other process registered in the study finished its ``trials``, or when no
    trial runs and none started or ended for ``idle`` seconds (the others died, or stopped
    early: a grid that ran out of points; or none registered in that time). Running trials of
    dead processes are failed on the way (heartbeat older than :data:`GRACE_SECONDS`).
    """
    import optuna

    said = False
    last: tuple[Any, ...] = ()
    quiet_since = time.monotonic()
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        owed, others = 0, 0
        for key, info in study.user_attrs.items():
            if key.startswith(_PROCESS_PREFIX) and key != _PROCESS_PREFIX + process:
                ran = process_trials(trials, key[len(_PROCESS_PREFIX) :])
                owed += max(0, int(info["trials"]) - ran)
                others += 1
        if owed == 0 and others:
            return
        # alone so far: a process started with this one may not have registered yet (its
        # start-up can outlast short trials), so wait for one quiet ``idle`` period
        state = tuple((t.number, t.state.name) for t in trials)
        running = any(t.state.name == "RUNNING" for t in trials)
        if state != last or running:
            last, quiet_since = state, time.monotonic()
        elif time.monotonic() - quiet_since > idle:
            return
        if show and not said:
            say(
                f"Waiting for {owed} trial(s) of other processes sharing the study"
                if owed
                else "Waiting for other processes to join the shared study"
            )
            said = True
        time.sleep(poll)


class TaggedObjective:
    """An objective that tags each trial with the process running it, then scores it."""

    def __init__(self, objective: Any, process: str) -> None:
        self.objective = objective
        self.process = process

    def __call__(self, trial: Any) -> float:
        """Tag ``trial`` (``biodl.process``) and return the objective's score."""
        trial.set_user_attr(PROCESS_ATTR, self.process)
        return float(self.objective(trial))
