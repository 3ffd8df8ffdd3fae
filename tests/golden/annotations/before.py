import typing
from typing import Any, Generator

from twisted.internet.defer import Deferred, inlineCallbacks, succeed


@inlineCallbacks
def count(x: Any) -> Generator[Deferred[Any], Any, int]:
    n = yield succeed(x)
    return n


@inlineCallbacks
def label() -> "Generator[Deferred[Any], Any, str]":
    text = yield succeed("label")
    return text


@inlineCallbacks
def flag() -> typing.Generator[Deferred[object], object, bool]:
    value = yield succeed(True)
    return value


def pending() -> Deferred[int]:
    return Deferred()
