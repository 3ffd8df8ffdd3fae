"""Two proofs about what a receiver holds, across modules, and what kills each.

- A store `self.x = v` in a method of a class outside a class's line (neither an ancestor,
  a subclass, nor mixed into a subclass) never lands on an instance of that class, so it
  does not stop `self.x` being proven a Deferred (`yield self.x`) or exactly one class
  (`yield self.x.m()`). A store through another receiver, in a method that rebinds
  `self`, in a static method, or in a class mixed into the line still counts.
- A local bound only by calls of one library class's constructor (`lc = LoopingCall(f)`)
  is exactly that class: `lc.start()` runs the library's method, whatever same-name
  methods the workspace has. A parameter, another binding, a closure's `nonlocal`, or a
  test replacing the class kills it.

The golden cases `precision_store_elsewhere` and `precision_library_constructed` (and their
`_refused` neighbours) show each within one file, run before and after under real Twisted.
"""

from __future__ import annotations

from pathlib import Path

from helpers import make_project
from txasync.analysis.facts import extract_facts
from txasync.analysis.plan import Planner
from txasync.engine import Project

JOB = """
from twisted.internet import defer


class Job:
    def __init__(self):
        self.done = defer.Deferred()

    @defer.inlineCallbacks
    def wait(self):
        value = yield self.done
        return value
"""


def action(project: Project, module_suffix: str, qualname: str, index: int = 0) -> str:
    planner = Planner(project.workspace, project.config)
    facts = next(f for p, f in project.facts.items() if p.endswith(module_suffix))
    fn = facts.function(qualname)
    assert fn is not None
    return planner.classify_yield(facts, fn, fn.yields[index])


def job_with(tmp_path: Path, other: str) -> Project:
    return make_project(tmp_path, {"pkg/__init__.py": "", "pkg/job.py": JOB,
                                   "pkg/other.py": other})


def test_store_on_self_of_unrelated_class_does_not_count(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Report:\n    def close(self):\n"
                                 "        self.done = None\n")
    assert action(project, "job.py", "Job.wait") == "await"


def test_store_in_class_mixed_into_the_line_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "from pkg.job import Job\n\n\nclass Closing:\n"
                                 "    def close(self):\n        self.done = None\n\n\n"
                                 "class ClosingJob(Job, Closing):\n    pass\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_in_subclass_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "from pkg.job import Job\n\n\nclass Sub(Job):\n"
                                 "    def close(self):\n        self.done = None\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_through_other_receiver_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Sweeper:\n    def sweep(self, job):\n"
                                 "        job.done = None\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_after_rebinding_self_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Poller:\n    def poll(self, job):\n"
                                 "        for self in [job]:\n            self.done = None\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_in_static_method_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Util:\n    @staticmethod\n    def clear(self):\n"
                                 "        self.done = None\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_in_method_called_on_the_class_counts(tmp_path: Path) -> None:
    # `Report.close(job)` runs the method with a `Job` as `self`.
    project = job_with(tmp_path, "class Report:\n    def close(self):\n"
                                 "        self.done = None\n\n\n"
                                 "def close_job(job):\n    Report.close(job)\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_in_method_handed_over_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "import types\n\n\nclass Report:\n    def close(self):\n"
                                 "        self.done = None\n\n\n"
                                 "def bind(job):\n    return types.MethodType(Report.close, job)\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_store_in_nested_function_counts(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Report:\n    def close(self, job):\n"
                                 "        def clear(self):\n            self.done = None\n"
                                 "        clear(job)\n")
    assert action(project, "job.py", "Job.wait") == "maybe"


def test_computed_store_on_self_of_unrelated_class_does_not_count(tmp_path: Path) -> None:
    project = job_with(tmp_path, "class Config:\n    def load(self, items):\n"
                                 "        for k, v in items:\n            setattr(self, k, v)\n")
    assert action(project, "job.py", "Job.wait") == "await"


LOCK = """
from twisted.internet import defer


class Lock:
    def acquire(self):
        return defer.succeed(True)


class Client:
    def __init__(self):
        self._lock = Lock()

    @defer.inlineCallbacks
    def run(self):
        ok = yield self._lock.acquire()
        return ok
"""


def test_exact_attribute_ignores_unrelated_self_store(tmp_path: Path) -> None:
    # `FakeLock` would answer `acquire()` with a plain value, but its only store into an
    # attribute named `_lock` is on a `Registry`, never a `Client`.
    other = ("class FakeLock:\n    def acquire(self):\n        return False\n\n\n"
             "class Registry:\n    def __init__(self):\n        self._lock = FakeLock()\n")
    project = make_project(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": LOCK,
                                      "pkg/other.py": other})
    assert action(project, "app.py", "Client.run") == "await"


def test_exact_attribute_counts_store_through_other_receiver(tmp_path: Path) -> None:
    other = ("class FakeLock:\n    def acquire(self):\n        return False\n\n\n"
             "def install(client):\n    client._lock = FakeLock()\n")
    project = make_project(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": LOCK,
                                      "pkg/other.py": other})
    assert action(project, "app.py", "Client.run") == "maybe"


def test_facts_record_self_store_class() -> None:
    facts = extract_facts(
        "class A:\n    def f(self, o):\n        self.x = 1\n        o.x = 2\n"
        "    y = 3\n\n\ndef g(self):\n    self.x = 4\n", "m.py", "m")
    assert [(owner, on_self) for owner, _, on_self in facts.attribute_stores["x"]] == [
        ("A.f", "A"), ("A.f", ""), ("g", "")]
    assert [on_self for _, _, on_self in facts.attribute_stores["y"]] == [""]


LOOP = """
from twisted.internet import defer, task


class Engine:
    def start(self, interval, now=True):
        return "started"


@defer.inlineCallbacks
def run(f):
    loop = task.LoopingCall(f)
    result = yield loop.start(1.0)
    return result
"""


def loop_project(tmp_path: Path, source: str, extra: str = "") -> Project:
    files = {"pkg/__init__.py": "", "pkg/app.py": source}
    if extra:
        files["pkg/test_app.py"] = extra
    return make_project(tmp_path, files)


def test_library_constructed_local_is_exact(tmp_path: Path) -> None:
    assert action(loop_project(tmp_path, LOOP), "app.py", "run") == "await"


def test_library_constructed_local_other_binding(tmp_path: Path) -> None:
    source = LOOP.replace("    result = yield", "    if not f:\n        loop = Engine()\n"
                                                 "    result = yield")
    assert action(loop_project(tmp_path, source), "app.py", "run") == "maybe"


def test_library_constructed_local_rebound_by_closure(tmp_path: Path) -> None:
    source = LOOP.replace("    result = yield", "    def swap():\n        nonlocal loop\n"
                                                 "        loop = Engine()\n"
                                                 "    swap()\n    result = yield")
    assert action(loop_project(tmp_path, source), "app.py", "run") == "maybe"


def test_library_parameter_is_not_exact(tmp_path: Path) -> None:
    source = LOOP.replace("def run(f):\n    loop = task.LoopingCall(f)\n",
                          "def run(loop: task.LoopingCall):\n")
    assert action(loop_project(tmp_path, source), "app.py", "run") == "maybe"


def test_library_class_replaced_by_tests(tmp_path: Path) -> None:
    test = ("from unittest import mock\n\n\ndef test_run():\n"
            "    with mock.patch('twisted.internet.task.LoopingCall'):\n        pass\n")
    assert action(loop_project(tmp_path, LOOP, test), "app.py", "run") == "maybe"


def test_library_method_replaced_by_name(tmp_path: Path) -> None:
    test = "def test_run(loop):\n    loop.start = lambda interval: None\n"
    assert action(loop_project(tmp_path, LOOP, test), "app.py", "run") == "maybe"


def test_unknown_yield_reason_names_the_cause(tmp_path: Path) -> None:
    source = LOOP.replace("def run(f):\n    loop = task.LoopingCall(f)\n",
                          "def run(loop):\n")
    project = loop_project(tmp_path, source)
    planner = Planner(project.workspace, project.config)
    facts = next(f for p, f in project.facts.items() if p.endswith("app.py"))
    fn = facts.function("run")
    assert fn is not None
    reason = planner.unknown_yield_reason(facts, fn, fn.yields[0])
    assert reason.kind == "yield-receiver-parameter"
    assert reason.where.endswith("app.py:12")
