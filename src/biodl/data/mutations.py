"""Mutation strings (``A24G``, ``A24G:T30K``) and checked sets of variants of wild types.

Syntax
------
A mutation is the wild-type letter, the **1-based** position and the mutant letter:
``A24G`` replaces the ``A`` at position 24 (the first letter is position 1) by ``G``. Several
mutations of one variant are joined by ``:`` (``A24G:T30K``, the ProteinGym form); ``,``, ``;``
and spaces are accepted too, since a mutation token never contains them. ``WT``, ``wt``,
``_wt``, ``wild-type``, ``-`` and the empty string mean the wild type itself (no mutation).
Letters are case-insensitive. A position may occur only once per variant; a synonymous token
(``A24A``) is allowed and changes nothing.

A :class:`VariantSet` holds many variants of one or more wild types as flat arrays (one entry
per mutated site), checked once: every position lies in its wild type, the wild-type letter
matches the sequence there, and both letters are plain letters of the alphabet (the channels a
language model predicts).

Examples
--------
>>> from biodl.data.mutations import VariantSet, parse_mutations
>>> [str(m) for m in parse_mutations("A2G:c4k".upper())]
['A2G', 'C4K']
>>> variants = VariantSet.from_mutations("MACDC", ["A2G", "A2G:D4K", "WT"])
>>> variants.sequences()
['MGCDC', 'MGCKC', 'MACDC']
>>> variants.n_mutations().tolist()
[1, 2, 0]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from biodl.data.alphabet import ALPHABETS, NOT_ALLOWED, Alphabet, AlphabetName
from biodl.errors import DataError

__all__ = [
    "WILD_TYPE_WORDS",
    "Mutation",
    "VariantSet",
    "format_mutations",
    "mutations_between",
    "parse_mutations",
]

#: Mutation strings that mean "the wild type itself" (compared in lower case).
WILD_TYPE_WORDS = frozenset({"", "wt", "_wt", "wild-type", "wildtype", "wild_type", "-"})

_SEPARATORS = re.compile(r"[\s:,;]+")
_TOKEN = re.compile(r"([A-Za-z])(\d+)([A-Za-z])")
_SYNTAX = (
    "expected a wild-type letter, a 1-based position and a mutant letter such as A24G, "
    "several joined by ':' (A24G:T30K), or WT for the wild type"
)


@dataclass(frozen=True)
class Mutation:
    """One substitution.

    Parameters
    ----------
    wild_type : str
        The letter of the wild type at ``position`` (upper case).
    position : int
        1-based position in the wild-type sequence.
    mutant : str
        The new letter (upper case).
    """

    wild_type: str
    position: int
    mutant: str

    def __str__(self) -> str:
        return f"{self.wild_type}{self.position}{self.mutant}"


def parse_mutations(text: str, *, where: str = "mutations") -> tuple[Mutation, ...]:
    """Parse one variant's mutation string (see the module notes for the syntax).

    Parameters
    ----------
    text : str
        E.g. ``"A24G"``, ``"A24G:T30K"``, ``"a24g, t30k"`` or ``"WT"``.
    where : str, default "mutations"
        The place named in errors (``"variants.csv line 5 column 'mutant'"``).

    Returns
    -------
    tuple of Mutation
        In the order written; empty for the wild type.

    Raises
    ------
    DataError
        A token that is not a mutation, a position 0, or a position given twice.

    Examples
    --------
    >>> parse_mutations("A24G:T30K")
    (Mutation(wild_type='A', position=24, mutant='G'), Mutation(wild_type='T', position=30, mutant='K'))
    >>> parse_mutations("WT")
    ()
    """  # noqa: E501
    stripped = text.strip()
    if stripped.lower() in WILD_TYPE_WORDS:
        return ()
    out: list[Mutation] = []
    seen: set[int] = set()
    for token in _SEPARATORS.split(stripped):
        if not token:
            continue
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise DataError(f"{where}: {token!r} in {text!r} is not a mutation; {_SYNTAX}.")
        position = int(match.group(2))
        if position < 1:
            raise DataError(
                f"{where}: {token!r} has position {position}; positions count from 1 (the first "
                "letter of the wild type is position 1)."
            )
        if position in seen:
            raise DataError(
                f"{where}: position {position} is mutated twice in {text!r}; give one "
                "mutation per position."
            )
        seen.add(position)
        out.append(Mutation(match.group(1).upper(), position, match.group(3).upper()))
    return tuple(out)


def format_mutations(mutations: Sequence[Mutation]) -> str:
    """The canonical string of a variant: tokens joined by ``:``, ``"WT"`` when empty.

    Examples
    --------
    >>> format_mutations(parse_mutations("a24g;T30K"))
    'A24G:T30K'
    """
    return ":".join(str(m) for m in mutations) or "WT"


def mutations_between(
    wild_type: str, variant: str, *, where: str = "variant"
) -> tuple[Mutation, ...]:
    """The substitutions that turn ``wild_type`` into ``variant`` (equal lengths).

    Raises
    ------
    DataError
        If the lengths differ (insertions and deletions are not substitutions).

    Examples
    --------
    >>> [str(m) for m in mutations_between("MACDC", "MGCDK")]
    ['A2G', 'C5K']
    """
    wt, var = wild_type.upper(), variant.upper()
    if len(wt) != len(var):
        raise DataError(
            f"{where}: the variant has {len(var)} letters and the wild type {len(wt)}; only "
            "substitutions are scored, so both must have the same length."
        )
    return tuple(
        Mutation(a, i + 1, b) for i, (a, b) in enumerate(zip(wt, var, strict=True)) if a != b
    )


@dataclass(frozen=True)
class VariantSet:
    """Checked variants of one or more wild types, as flat arrays.

    Parameters
    ----------
    alphabet : Alphabet
        The sequences' alphabet; letters are indexed by ``alphabet.letters``.
    wild_types : tuple of str
        The distinct wild-type sequences (upper case).
    wild_type_index : (n,) int64
        Variant ``i`` is a variant of ``wild_types[wild_type_index[i]]``.
    offsets : (n + 1,) int64
        Variant ``i`` mutates the sites ``offsets[i]:offsets[i + 1]`` of the arrays below.
    sites : (m,) int64
        0-based position of each mutated site (the 1-based position minus 1).
    wild_letters, mutant_letters : (m,) int64
        Index in ``alphabet.letters`` of the wild-type and mutant letter of each site.
    """

    alphabet: Alphabet
    wild_types: tuple[str, ...]
    wild_type_index: np.ndarray
    offsets: np.ndarray
    sites: np.ndarray
    wild_letters: np.ndarray
    mutant_letters: np.ndarray

    def __len__(self) -> int:
        return len(self.wild_type_index)

    def n_mutations(self) -> np.ndarray:
        """``(n,)`` number of mutated sites of each variant (0 for a wild type)."""
        return np.diff(self.offsets)

    def site_variant(self) -> np.ndarray:
        """``(m,)`` index of the variant each site belongs to."""
        return np.repeat(np.arange(len(self)), self.n_mutations())

    def mutations(self, i: int) -> tuple[Mutation, ...]:
        """The mutations of variant ``i``, in the order given."""
        letters = self.alphabet.letters
        part = slice(int(self.offsets[i]), int(self.offsets[i + 1]))
        return tuple(
            Mutation(letters[w], int(s) + 1, letters[m])
            for s, w, m in zip(
                self.sites[part], self.wild_letters[part], self.mutant_letters[part], strict=True
            )
        )

    def labels(self) -> list[str]:
        """The canonical mutation string of every variant (``"A24G:T30K"``, ``"WT"``)."""
        return [format_mutations(self.mutations(i)) for i in range(len(self))]

    def sequence(self, i: int) -> str:
        """The full sequence of variant ``i``."""
        chars = list(self.wild_types[int(self.wild_type_index[i])])
        for m in self.mutations(i):
            chars[m.position - 1] = m.mutant
        return "".join(chars)

    def sequences(self) -> list[str]:
        """The full sequence of every variant."""
        return [self.sequence(i) for i in range(len(self))]

    @classmethod
    def from_mutations(
        cls,
        wild_types: str | Sequence[str],
        mutations: Sequence[str | Sequence[Mutation]],
        *,
        wild_type_index: Sequence[int] | np.ndarray | None = None,
        alphabet: AlphabetName | Alphabet = "protein",
        source: str = "variants",
        lines: Sequence[int] | None = None,
    ) -> VariantSet:
        """Parse and check variants given as mutation strings of wild types.

        Parameters
        ----------
        wild_types : str or sequence of str
            One wild type for all variants, or the distinct wild types.
        mutations : sequence of str, or of sequences of Mutation
            One entry per variant (see :func:`parse_mutations`).
        wild_type_index : (n,) ints, optional
            Which wild type each variant mutates; default all the first.
        alphabet : {"dna", "rna", "protein"} or Alphabet, default "protein"
        source : str, default "variants"
            The file (or name) for messages.
        lines : sequence of int, optional
            The line of each variant in ``source`` for messages; default ``row k`` (1-based).

        Raises
        ------
        DataError
            Naming the variant's line: a syntax error, a position beyond its wild type, a
            wild-type letter that differs from the sequence (expected and found letters
            named), or a letter that is not a plain letter of the alphabet.
        """
        abc = ALPHABETS[alphabet] if isinstance(alphabet, str) else alphabet
        wts = (wild_types,) if isinstance(wild_types, str) else tuple(wild_types)
        wts = tuple(w.strip().upper() for w in wts)
        index = (
            np.zeros(len(mutations), dtype=np.int64)
            if wild_type_index is None
            else np.asarray(wild_type_index, dtype=np.int64)
        )
        if len(index) != len(mutations):
            raise DataError(
                f"{source}: {len(index)} wild-type indices for {len(mutations)} variants; give "
                "one per variant."
            )
        for w, wt in enumerate(wts):
            codes = abc.lut[np.frombuffer(wt.encode("ascii", "replace"), dtype=np.uint8)]
            if not wt or (codes == NOT_ALLOWED).any():
                bad = wt[int(np.flatnonzero(codes == NOT_ALLOWED)[0])] if wt else ""
                raise DataError(
                    f"{source}: wild type {w + 1} ({wt[:30]}{'...' if len(wt) > 30 else ''}) "
                    + (
                        f"contains {bad!r}, which is not a {abc.name} letter."
                        if wt
                        else "is empty."
                    )
                )
        lookup = {c: j for j, c in enumerate(abc.letters)}
        counts = np.zeros(len(mutations), dtype=np.int64)
        sites: list[int] = []
        wild: list[int] = []
        mutant: list[int] = []
        for k, entry in enumerate(mutations):
            place = f"{source} line {lines[k]}" if lines is not None else f"{source} row {k + 1}"
            muts = parse_mutations(entry, where=place) if isinstance(entry, str) else entry
            wt = wts[int(index[k])]
            for m in muts:
                _check(m, wt, abc, lookup, place)
                sites.append(m.position - 1)
                wild.append(lookup[m.wild_type])
                mutant.append(lookup[m.mutant])
            counts[k] = len(muts)
        return cls(
            alphabet=abc,
            wild_types=wts,
            wild_type_index=index,
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            sites=np.asarray(sites, dtype=np.int64),
            wild_letters=np.asarray(wild, dtype=np.int64),
            mutant_letters=np.asarray(mutant, dtype=np.int64),
        )

    @classmethod
    def from_sequences(
        cls,
        wild_type: str,
        variants: Sequence[str] | np.ndarray,
        *,
        alphabet: AlphabetName | Alphabet = "protein",
        source: str = "variants",
        first_line: int = 1,
    ) -> VariantSet:
        """Variants given as full sequences of the wild type's length (vectorised).

        Parameters
        ----------
        wild_type : str
        variants : sequence of str
            Each the same length as ``wild_type``; every differing position is a mutation.
        alphabet : {"dna", "rna", "protein"} or Alphabet, default "protein"
        source : str, default "variants"
        first_line : int, default 1
            Line of the first variant in ``source`` (messages name ``first_line + k``).

        Raises
        ------
        DataError
            A variant of another length, or a letter that is not a plain letter of the
            alphabet at a mutated site or in the wild type (line named).
        """
        abc = ALPHABETS[alphabet] if isinstance(alphabet, str) else alphabet
        wt = wild_type.strip().upper()
        length = len(wt)
        seqs = np.asarray(variants, dtype=str)
        lengths = np.char.str_len(seqs) if len(seqs) else np.zeros(0, dtype=np.int64)
        wrong = np.flatnonzero(lengths != length)
        if wrong.size:
            k = int(wrong[0])
            raise DataError(
                f"{source} line {first_line + k}: the variant has {lengths[k]} letters and the "
                f"wild type {length}; only substitutions are scored, so give variants of the "
                "wild type's length."
            )
        table = np.full(256, -1, dtype=np.int64)
        for j, c in enumerate(abc.letters):
            table[ord(c)] = table[ord(c.lower())] = j
        wt_codes = table[np.frombuffer(wt.encode("ascii"), dtype=np.uint8)]
        if (wt_codes < 0).any():
            bad = wt[int(np.flatnonzero(wt_codes < 0)[0])]
            raise DataError(
                f"{source}: the wild type contains {bad!r}, not a plain {abc.name} letter "
                f"({abc.letters})."
            )
        raw = np.frombuffer("".join(seqs.tolist()).encode("ascii"), dtype=np.uint8)
        codes = table[raw].reshape(len(seqs), length)
        rows, cols = np.nonzero(codes != wt_codes[None, :])
        bad_site = codes[rows, cols] < 0
        if bad_site.any():
            k, col = int(rows[bad_site][0]), int(cols[bad_site][0])
            raise DataError(
                f"{source} line {first_line + k}: position {col + 1} holds "
                f"{seqs[k][col]!r}, not a plain {abc.name} letter ({abc.letters})."
            )
        counts = np.bincount(rows, minlength=len(seqs))
        return cls(
            alphabet=abc,
            wild_types=(wt,),
            wild_type_index=np.zeros(len(seqs), dtype=np.int64),
            offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            sites=cols.astype(np.int64),
            wild_letters=wt_codes[cols],
            mutant_letters=codes[rows, cols],
        )


def _check(
    m: Mutation, wild_type: str, alphabet: Alphabet, lookup: dict[str, int], place: str
) -> None:
    if m.position > len(wild_type):
        raise DataError(
            f"{place}: {m} is at position {m.position}, beyond the wild type "
            f"({len(wild_type)} letters); positions count from 1."
        )
    found = wild_type[m.position - 1]
    if found != m.wild_type:
        raise DataError(
            f"{place}: {m} expects {m.wild_type!r} at position {m.position} but the wild type "
            f"has {found!r} there; fix the mutation or the wild type (positions count from 1)."
        )
    for letter in (m.wild_type, m.mutant):
        if letter not in lookup:
            raise DataError(
                f"{place}: {m} uses {letter!r}, which is not a plain {alphabet.name} letter "
                f"(allowed: {alphabet.letters})."
            )
