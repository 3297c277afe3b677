"""Reference answers from the installed Alembic for migcheck's conformance test.

Reads a JSON list of cases from the file named on the command line, each
{"dir": script folder with a versions/ subfolder, "current": [ids stamped in a
database], "target": upgrade target, "range": [lower, upper] or null}, and prints
one JSON line per case, in order:

  load_error  {"class", "message"} when building the revision map raises
  warnings    the warnings Alembic emitted while loading
  heads, real_heads, bases   as RevisionMap reports them
  labels      {revision id: sorted effective branch labels}
  history, upgrade, range    {"outcomes": [...]} where an outcome is
              {"order": [ids]} or {"error": {"class", "message"}}

Alembic keeps normalized dependencies in a Python set, so a revision with two
or more of them makes its ordering depend on string hashing. For such graphs
every permutation of those sets is tried (the objects are re-assigned, the code
is untouched) and every distinct outcome is listed. A call that does not return
within a quarter of a second (these graphs take milliseconds) is reported as the outcome class "hang".

Branch labels have the same problem in one case: when a shadowed copy of a
duplicate id declares labels, what Alembic's `_add_branches` produces depends
on the order it visits a set of revision objects. For those graphs the labels
Alembic's own `_add_branches` gives with shadowed copies visited last are
reported too, as "labels_shadows_last".
"""

import itertools
import json
import signal
import sys
import warnings

from alembic.script import ScriptDirectory
from alembic.util import CommandError

MAX_COMBINATIONS = 720
HANG_SECONDS = 0.25


class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang()


def error_of(exc):
    cause = exc
    if isinstance(exc, CommandError) and exc.__cause__ is not None:
        cause = exc.__cause__
    if isinstance(exc, Hang):
        return {"class": "hang", "message": ""}
    return {"class": type(cause).__name__, "message": str(cause)}


def timed(fn):
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        return {"order": fn()}
    except Exception as exc:  # noqa: BLE001 - every failure is an answer
        return {"error": error_of(exc)}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def permutations_of(rmap):
    """Every assignment of orders to sets of two or more normalized dependencies."""
    revs = [
        rev
        for key, rev in rmap._revision_map.items()
        if rev is not None and key == rev.revision
        and len(rev._normalized_resolved_dependencies) > 1
    ]
    if not revs:
        return [None]
    choices = [list(itertools.permutations(rev._normalized_resolved_dependencies)) for rev in revs]
    combos = []
    for combo in itertools.product(*choices):
        combos.append(list(zip(revs, combo)))
        if len(combos) >= MAX_COMBINATIONS:
            break
    return combos


def run_case(case):
    out = {"dir": case["dir"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        script = ScriptDirectory(case["dir"])
        rmap = script.revision_map
        try:
            signal.setitimer(signal.ITIMER_REAL, 2.0)
            out["heads"] = list(rmap.heads)
            out["real_heads"] = list(rmap._real_heads)
            out["bases"] = list(rmap.bases)
        except Exception as exc:  # noqa: BLE001
            out["load_error"] = error_of(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        out["warnings"] = [str(w.message) for w in caught]
    if "load_error" in out:
        return out
    out["load_error"] = None
    out["labels"] = {
        key: sorted(rev.branch_labels)
        for key, rev in rmap._revision_map.items()
        if rev is not None and key == rev.revision
    }
    current = tuple(case["current"])
    target = case["target"]
    lower, upper = case["range"] or ("base", "heads")
    queries = {
        "history": lambda: [s.revision for s in script.walk_revisions()],
        "upgrade": lambda: [s.revision.revision for s in script._upgrade_revs(target, current)],
        "range": lambda: [s.revision for s in script.walk_revisions(base=lower, head=upper)],
    }
    results = {name: [] for name in queries}
    for combo in permutations_of(rmap):
        for rev, order in combo or ():
            rev._normalized_resolved_dependencies = tuple(order)
        for name, query in queries.items():
            outcome = timed(query)
            if outcome not in results[name]:
                results[name].append(outcome)
    for name, outcomes in results.items():
        out[name] = {"outcomes": outcomes}
    shadows_last = labels_with_shadows_last(rmap)
    if shadows_last is not None:
        out["labels_shadows_last"] = shadows_last
    return out


def labels_with_shadows_last(rmap):
    mapping = rmap._revision_map
    revisions = list({id(r): r for r in mapping.values() if r is not None}.values())
    shadows = [r for r in revisions if mapping.get(r.revision) is not r]
    if not any(r._orig_branch_labels for r in shadows):
        return None
    for r in revisions:
        r.branch_labels = set(r._orig_branch_labels)
    labelled = [r for r in revisions if r._orig_branch_labels and r not in shadows]
    rmap._add_branches(labelled + shadows, mapping)
    return {
        key: sorted(rev.branch_labels)
        for key, rev in mapping.items()
        if rev is not None and key == rev.revision
    }


def main():
    signal.signal(signal.SIGALRM, _on_alarm)
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        try:
            result = run_case(case)
        except Exception as exc:  # noqa: BLE001 - report, never stop the batch
            result = {"dir": case["dir"], "oracle_error": repr(exc)}
        sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
